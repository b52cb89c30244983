"""a job's request id: the request that made the job, carried into the worker's log lines

`job.request_id` holds the X-Request-ID of the request that made the job (NULL for one
made outside a request).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "c2e5f6a90026"
down_revision = "b1d4e5f80025"

STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.add_column("job", sa.Column("request_id", STR(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("job", "request_id")
