"""user language: the language a person chose is remembered with their account

Revision ID: 1a9e00000006
Revises: fb0000000001
Create Date: 2026-11-30 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "1a9e00000006"
down_revision: str | None = "fb0000000001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: SQLite needs no table rebuild for it.
    op.add_column(
        "user", sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True)
    )


def downgrade() -> None:
    # SQLite (3.35+) drops a column in place; a batch rebuild of "user" would cascade-delete
    # every row that hangs on a person.
    if op.get_bind().dialect.name == "sqlite":
        op.execute('ALTER TABLE "user" DROP COLUMN language')
    else:
        op.drop_column("user", "language")
