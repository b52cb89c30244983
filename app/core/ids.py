"""Database ids as the API and pages accept them: whole numbers a 64-bit column can hold,
written in canonical digits.

A bigger number, or a digit that is not 0-9 (Python's int() reads '²' and '٣'), would
otherwise reach the database and fail there with a 500. Pydantic's lax int also reads
'1.0', '+1', ' 1' and '01' as 1: one row would answer to many names.
"""

import re
from typing import Annotated

from annotated_types import Ge, Le
from pydantic import BeforeValidator
from pydantic_core import PydanticKnownError
from sqlmodel import Field, SQLModel

MAX_DB_ID = 2**63 - 1
_ASCII_ID = re.compile(r"[0-9]{1,19}")
_CANONICAL_ID = re.compile(r"[1-9][0-9]{0,18}")


def _canonical(value: object) -> object:
    """A path's text only in canonical digits; a JSON body's id only as a whole number."""
    if isinstance(value, str) and _CANONICAL_ID.fullmatch(value):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    # The same error as any other text that is not a number: 422, "must be a number".
    raise PydanticKnownError("int_parsing")


# For path parameters and request bodies alike: FastAPI and pydantic both read these.
DbId = Annotated[int, BeforeValidator(_canonical), Ge(1), Le(MAX_DB_ID)]


def parse_id(text: str) -> int | None:
    """An id written in a form field, or None when it is not one."""
    if not _ASCII_ID.fullmatch(text):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_DB_ID else None


class Numbered(SQLModel):
    """A table whose rows are numbered by the database, numbers never reused (AUTOINCREMENT
    on SQLite, a sequence on PostgreSQL): an id in an old audit entry or link never comes to
    mean a new row."""

    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
