"""a notification that a supervisor published scores on your recording

`notificationreason` gets `scored` on PostgreSQL (on SQLite the reason is a VARCHAR long
enough already).
"""

from alembic import op

revision = "d3f6a7b80027"
down_revision = "c2e5f6a90026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE notificationreason ADD VALUE IF NOT EXISTS 'scored'")


def downgrade() -> None:
    # The notifications of published scores go; PostgreSQL keeps the type's value (unused).
    op.execute("DELETE FROM notification WHERE reason = 'scored'")
