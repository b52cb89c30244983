"""identities at the municipality's identity provider (OpenID Connect), one account each

`provider_identity`: issuer + subject, unique, and the account they sign in to. Made at a
first sign-in or by the person linking it while logged in; never matched by e-mail.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "1d3e7f0a0012"
down_revision = "2f5ec0d00011"

STR, TIME = sqlmodel.sql.sqltypes.AutoString, sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "provider_identity",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("issuer", STR(255), nullable=False),
        sa.Column("subject", STR(255), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("last_sign_in_at", TIME, nullable=True),
        sa.Column("awaiting_role", sa.Boolean, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("issuer", "subject", name="uq_provider_identity_issuer_subject"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_provider_identity_user_id", "provider_identity", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_provider_identity_user_id", table_name="provider_identity")
    op.drop_table("provider_identity")
