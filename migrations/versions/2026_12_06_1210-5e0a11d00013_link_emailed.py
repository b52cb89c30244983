"""whether a one-time link was e-mailed to the person or shown to an administrator

The users page said "link sent" for every link not yet used, also for one that was only
shown to the administrator to hand over. Links made before this keep NULL: how they went
is not known, and the page says only when they were made.
"""

import sqlalchemy as sa
from alembic import op

revision = "5e0a11d00013"
down_revision = "5e1f0a7c0019"


def upgrade() -> None:
    op.add_column("accountlink", sa.Column("emailed", sa.Boolean(), nullable=True))


def downgrade() -> None:
    # A plain column: SQLite (3.35+) drops it in place, without rebuilding the table.
    op.execute("ALTER TABLE accountlink DROP COLUMN emailed")
