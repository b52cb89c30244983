"""the second factor (TOTP and recovery codes), its removal by two administrators, and
demo mode

Every login so far was made with a password alone: they all end, and each person logs in
again with their second factor (set up at that login).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "2f5ec0d00011"
down_revision = "0ac3e5500010"

STR, TIME = sqlmodel.sql.sqltypes.AutoString, sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.add_column("user", sa.Column("totp_secret", STR(255), nullable=True))
    op.add_column("user", sa.Column("totp_enrolled_at", TIME(), nullable=True))
    op.add_column("user", sa.Column("totp_last_step", sa.Integer(), nullable=True))
    for flag in ("second_factor_notice_due", "demo"):
        op.add_column(
            "user", sa.Column(flag, sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.add_column("authsession", sa.Column("second_factor_at", TIME(), nullable=True))
    op.execute("DELETE FROM authsession")

    op.create_table(
        "recoverycode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", STR(64), nullable=False),
        sa.Column("used_at", TIME(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_recoverycode_user_id", "recoverycode", ["user_id"])
    op.create_table(
        "secondfactorremoval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("proposed_at", TIME(), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_via", STR(16), nullable=True),
        sa.Column("approved_at", TIME(), nullable=True),
        sa.Column("withdrawn_at", TIME(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["approved_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_secondfactorremoval_user_id", "secondfactorremoval", ["user_id"])
    op.create_table(
        "installationflag",
        sa.Column("name", STR(40), nullable=False),
        sa.Column("set_at", TIME(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("installationflag")
    op.drop_index("ix_secondfactorremoval_user_id", "secondfactorremoval")
    op.drop_table("secondfactorremoval")
    op.drop_index("ix_recoverycode_user_id", "recoverycode")
    op.drop_table("recoverycode")
    # Plain columns: SQLite (3.35+) drops them in place, without rebuilding the tables
    # (a rebuild would lose AUTOINCREMENT and the rows that hang on them).
    op.execute("ALTER TABLE authsession DROP COLUMN second_factor_at")
    for column in (
        "demo",
        "second_factor_notice_due",
        "totp_last_step",
        "totp_enrolled_at",
        "totp_secret",
    ):
        op.execute(f'ALTER TABLE "user" DROP COLUMN {column}')
