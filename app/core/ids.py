"""Database ids as the API and pages accept them: whole numbers a 64-bit column can hold.

A bigger number, or a digit that is not 0-9 (Python's int() reads '²' and '٣'), would
otherwise reach the database and fail there with a 500.
"""

import re
from typing import Annotated

from annotated_types import Ge, Le

MAX_DB_ID = 2**63 - 1
# For path parameters and request bodies alike: FastAPI and pydantic both read these.
DbId = Annotated[int, Ge(1), Le(MAX_DB_ID)]
_ASCII_ID = re.compile(r"[0-9]{1,19}")


def parse_id(text: str) -> int | None:
    """An id written in a form field, or None when it is not one."""
    if not _ASCII_ID.fullmatch(text):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_DB_ID else None
