"""accounts and access

Revision ID: a11ce5500001
Revises: ec47b80fff6f
Create Date: 2026-11-30 19:00:00

- `accountlink`: one-time links with which a person sets their own password.
- `user`: no password until the person sets it; when it was last set through a link
  (shares granted before that are held until the owner confirms again); the reset notice
  still due; the failed-login columns go (the login limiter counts atomically instead).
- `share.granted_at`, and `sharemember`: the members a team share covers. Existing team
  shares cover the team's current members (as they did).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "a11ce5500001"
down_revision: str | None = "ec47b80fff6f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARE_ROLES = "('supervisor', 'caseworker', 'administrator')"


def _sqlite_foreign_keys(*, on: bool) -> None:
    """Rebuilding a parent table on SQLite drops the old copy, which would cascade to its
    children's rows: the keys are off meanwhile (the pragma only works outside a transaction)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    raw = op.get_bind().connection.dbapi_connection
    if raw.in_transaction:
        raw.commit()
    raw.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


def upgrade() -> None:
    op.create_table(
        "accountlink",
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("accountlink", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accountlink_user_id"), ["user_id"], unique=False)

    _sqlite_foreign_keys(on=False)
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("link_password_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("reset_notice_due", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.alter_column(
            "password_hash",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=255),
            nullable=True,
        )
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("locked_until")

    with op.batch_alter_table("share", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("granted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    op.execute("UPDATE share SET granted_at = created_at")
    with op.batch_alter_table("share", schema=None) as batch_op:
        batch_op.alter_column(
            "granted_at", existing_type=sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False
        )
    _sqlite_foreign_keys(on=True)

    op.create_table(
        "sharemember",
        sa.Column("share_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["share_id"], ["share.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["team_id", "user_id"],
            ["teammember.team_id", "teammember.user_id"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("share_id", "user_id"),
    )
    with op.batch_alter_table("sharemember", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sharemember_user_id"), ["user_id"], unique=False)
    # Team shares made before this covered whoever was a member: they keep covering them.
    op.execute(
        f"""INSERT INTO sharemember (share_id, user_id, team_id, granted_at)
            SELECT s.id, tm.user_id, tm.team_id, s.created_at
            FROM share s
            JOIN teammember tm ON tm.team_id = s.team_id
            JOIN "user" u ON u.id = tm.user_id
            JOIN recording r ON r.id = s.recording_id
            WHERE u.role IN {SHARE_ROLES} AND u.id != r.owner_id"""
    )


def downgrade() -> None:
    with op.batch_alter_table("sharemember", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sharemember_user_id"))
    op.drop_table("sharemember")

    _sqlite_foreign_keys(on=False)
    with op.batch_alter_table("share", schema=None) as batch_op:
        batch_op.drop_column("granted_at")
    # Someone who never set a password gets one no password matches.
    op.execute("""UPDATE "user" SET password_hash = '!' WHERE password_hash IS NULL""")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("locked_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.alter_column(
            "password_hash",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=255),
            nullable=False,
        )
        batch_op.drop_column("reset_notice_due")
        batch_op.drop_column("link_password_at")
    _sqlite_foreign_keys(on=True)

    with op.batch_alter_table("accountlink", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accountlink_user_id"))
    op.drop_table("accountlink")
