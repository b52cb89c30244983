"""a notification that a sparring session was moved

`notificationreason` gets `moved` on PostgreSQL (on SQLite the reason is a VARCHAR long
enough already).
"""

from alembic import op

revision = "6a0d5e7f0014"
down_revision = "c5d7e2a10013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE notificationreason ADD VALUE IF NOT EXISTS 'moved'")


def downgrade() -> None:
    # The notifications of moved sessions go; PostgreSQL keeps the type's value (unused).
    op.execute("DELETE FROM notification WHERE reason = 'moved'")
