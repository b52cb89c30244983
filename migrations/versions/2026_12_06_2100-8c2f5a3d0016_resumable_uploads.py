"""resumable uploads (tus): a row per upload on its way in

An upload's fields, its length (or none yet: recorded in the browser), how far it has come,
where the store keeps the bytes meanwhile, the lease of the request writing it, and when it
expires.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "8c2f5a3d0016"
down_revision = "7b1e4d2c0015"

TIME = sqlmodel.sql.sqltypes.UTCDateTime
STR = sqlmodel.sql.sqltypes.AutoString
BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "resumable_upload",
        sa.Column("id", STR(length=32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("recording_id", STR(length=32), nullable=False),
        sa.Column("filename", STR(length=255), nullable=False),
        sa.Column("fields", STR(), nullable=False),
        sa.Column("metadata_header", STR(), nullable=False),
        sa.Column("length", BIG, nullable=True),
        sa.Column("offset", BIG, nullable=False),
        sa.Column("store_state", STR(), nullable=False),
        sa.Column("lease_token", STR(length=32), nullable=True),
        sa.Column("lease_until", TIME(), nullable=True),
        sa.Column("created_at", TIME(), nullable=False),
        sa.Column("expires_at", TIME(), nullable=False),
        sa.Column("finished_at", TIME(), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("recording_id"),
    )
    op.create_index("ix_resumable_upload_owner_id", "resumable_upload", ["owner_id"])
    op.create_index("ix_resumable_upload_expires_at", "resumable_upload", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_resumable_upload_expires_at", table_name="resumable_upload")
    op.drop_index("ix_resumable_upload_owner_id", table_name="resumable_upload")
    op.drop_table("resumable_upload")
