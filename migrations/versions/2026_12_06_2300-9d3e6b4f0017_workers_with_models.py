"""workers with different models: a job names the speech model it needs, workers say
which they have

`job.model` (None for jobs from before, and for clips: any worker takes them),
`job.fallback_from` (the model wanted, when a worker fell back to another) and
`job.claimed_by` (the worker of the latest claim, kept once the job ends);
`worker_presence`, a row per live worker process with its models, device and compute type.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "9d3e6b4f0017"
down_revision = "8c2f5a3d0016"

STR, TIME = sqlmodel.sql.sqltypes.AutoString, sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.add_column("job", sa.Column("model", STR(length=255), nullable=True))
    op.add_column("job", sa.Column("fallback_from", STR(length=255), nullable=True))
    op.add_column("job", sa.Column("claimed_by", STR(length=128), nullable=True))
    op.create_table(
        "worker_presence",
        sa.Column("id", STR(length=128), nullable=False),
        sa.Column("models", STR(length=4000), nullable=False),
        sa.Column("device", STR(length=16), nullable=False),
        sa.Column("compute_type", STR(length=32), nullable=False),
        sa.Column("started_at", TIME(), nullable=False),
        sa.Column("seen_at", TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_worker_presence_seen_at", "worker_presence", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_worker_presence_seen_at", table_name="worker_presence")
    op.drop_table("worker_presence")
    # Plain columns with no index or reference: SQLite (3.35 on) drops them in place, so the
    # job table keeps its AUTOINCREMENT counter.
    op.drop_column("job", "claimed_by")
    op.drop_column("job", "fallback_from")
    op.drop_column("job", "model")
