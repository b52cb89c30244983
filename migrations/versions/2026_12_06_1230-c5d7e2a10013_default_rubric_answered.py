"""which default rubric an installation has answered

`rubricsettings.defaults_answered`: the edition of the default rubric the installation
started with, or whose offer its administrator accepted or hid (app/criteria/defaults.py).
No criterion changes here: an existing installation keeps its rubric, and its criteria page
offers the new default rubric until the administrator answers.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "c5d7e2a10013"
down_revision = "5b9c4e7a0013"


def upgrade() -> None:
    column = sa.Column("defaults_answered", sqlmodel.sql.sqltypes.AutoString(16), nullable=True)
    op.add_column("rubricsettings", column)


def downgrade() -> None:
    # A plain column: SQLite (3.35+) drops it in place, keeping the table's AUTOINCREMENT.
    op.execute("ALTER TABLE rubricsettings DROP COLUMN defaults_answered")
