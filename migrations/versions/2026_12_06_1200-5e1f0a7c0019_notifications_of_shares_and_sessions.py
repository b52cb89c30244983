"""notifications of shares and session invitations, self-reflection published, and the
kinds each person gets by e-mail

`notification` names the clip shared or the session one was invited to (each goes with its
notifications) and has four more reasons; `user.mail_kinds` holds the person's choice of
what also comes by e-mail (NULL: the default).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "5e1f0a7c0019"
down_revision = "1d3e7f0a0012"

NEW_REASONS = ("reflection", "shared", "clip_shared", "invited")
REFERENCES = [("clip_id", "clip"), ("session_id", "sparringsession")]
REBUILD = {"recreate": "always", "table_kwargs": {"sqlite_autoincrement": True}}


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _counter() -> int | None:
    """SQLite forgets a rebuilt table's AUTOINCREMENT counter: kept, so no id comes twice."""
    return (
        op.get_bind()
        .execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'notification'"))
        .scalar()
    )


def _restore(counter: int | None) -> None:
    if counter is None:
        return
    bind = op.get_bind()
    bind.execute(
        sa.text("UPDATE sqlite_sequence SET seq = max(seq, :n) WHERE name = 'notification'"),
        {"n": counter},
    )
    bind.execute(
        sa.text(
            "INSERT INTO sqlite_sequence (name, seq) SELECT 'notification', :n "
            "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'notification')"
        ),
        {"n": counter},
    )


def upgrade() -> None:
    op.add_column(
        "user", sa.Column("mail_kinds", sqlmodel.sql.sqltypes.AutoString(200), nullable=True)
    )
    if _sqlite():
        # The reason is a VARCHAR here, as long as the longest value.
        counter = _counter()
        with op.batch_alter_table("notification", **REBUILD) as batch:
            batch.alter_column("reason", existing_type=sa.String(9), type_=sa.String(11))
            for column, target in REFERENCES:
                batch.add_column(sa.Column(column, sa.Integer(), nullable=True))
                name = f"fk_notification_{column}"
                batch.create_foreign_key(name, target, [column], ["id"], ondelete="CASCADE")
        _restore(counter)
        return
    with op.get_context().autocommit_block():
        for value in NEW_REASONS:
            op.execute(f"ALTER TYPE notificationreason ADD VALUE IF NOT EXISTS '{value}'")
    for column, target in REFERENCES:
        op.add_column("notification", sa.Column(column, sa.Integer(), nullable=True))
        name = f"fk_notification_{column}"
        op.create_foreign_key(name, "notification", target, [column], ["id"], ondelete="CASCADE")


def downgrade() -> None:
    # Notifications of the new reasons go; PostgreSQL keeps the type's extra values (unused).
    reasons = ", ".join(f"'{value}'" for value in NEW_REASONS)
    op.execute(f"DELETE FROM notification WHERE reason IN ({reasons})")
    if _sqlite():
        counter = _counter()
        with op.batch_alter_table("notification", **REBUILD) as batch:
            batch.alter_column("reason", existing_type=sa.String(11), type_=sa.String(9))
            for column, _ in REFERENCES:
                batch.drop_column(column)
        _restore(counter)
    else:
        for column, _ in REFERENCES:
            op.drop_column("notification", column)  # its foreign key with it
    op.drop_column("user", "mail_kinds")
