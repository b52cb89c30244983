"""transcript complete: a transcript is stored as it is heard; this says it is all there

Revision ID: 7a1100000009
Revises: 5e5510000008
Create Date: 2026-12-01 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7a1100000009"
down_revision: str | None = "5e5510000008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every transcript before this one was written whole: complete.
    op.add_column(
        "transcript",
        sa.Column("complete", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    # SQLite (3.35+) drops a column in place; a batch rebuild would cascade to segments.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE transcript DROP COLUMN complete")
    else:
        op.drop_column("transcript", "complete")
