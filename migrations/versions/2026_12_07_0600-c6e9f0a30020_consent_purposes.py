"""consent for each purpose: individual supervision, team sparring, teaching; and who consented

`consent` gets `for_individual`, `for_team` and `for_teaching` in place of its one purpose
("sparring"), and `given_by` (the child and the custody holders, or a young person of 15 or
over alone). A consent recorded before covers what sparring meant then: individual
supervision and team sparring in the caseworker's own team, never teaching; it was given by
the child and the custody holders (both were required).

Down again every consent becomes "sparring": a purpose withdrawn since, or teaching
consented to, is not kept.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "c6e9f0a30020"
down_revision = "b5e8d9f20019"

STR = sqlmodel.sql.sqltypes.AutoString
GIVER = sa.Enum("child_and_custody", "young_person", name="consentgiver")
PURPOSES = ("for_individual", "for_team", "for_teaching")
CONSENT = sa.table(
    "consent",
    sa.column("for_individual", sa.Boolean),
    sa.column("for_team", sa.Boolean),
    sa.column("for_teaching", sa.Boolean),
    sa.column("given_by", GIVER),
    sa.column("purpose", STR),
)
# SQLite changes a column's NULL by making the table again; nothing refers to `consent`, so
# nothing is lost by dropping the old one.
REBUILD = {"recreate": "auto"}


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if _postgres():
        GIVER.create(op.get_bind(), checkfirst=True)
    with op.batch_alter_table("consent") as batch:
        for name in PURPOSES:
            batch.add_column(sa.Column(name, sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("given_by", GIVER, nullable=True))
    op.execute(
        CONSENT.update().values(
            for_individual=True, for_team=True, for_teaching=False, given_by="child_and_custody"
        )
    )
    with op.batch_alter_table("consent", **REBUILD) as batch:
        for name in PURPOSES:
            batch.alter_column(name, existing_type=sa.Boolean(), nullable=False)
        batch.alter_column("given_by", existing_type=GIVER, nullable=False)
        batch.drop_column("purpose")


def downgrade() -> None:
    with op.batch_alter_table("consent") as batch:
        batch.add_column(sa.Column("purpose", STR(length=32), nullable=True))
    op.execute(CONSENT.update().values(purpose="sparring"))
    with op.batch_alter_table("consent", **REBUILD) as batch:
        batch.alter_column("purpose", existing_type=STR(length=32), nullable=False)
        batch.drop_column("given_by")
        for name in reversed(PURPOSES):
            batch.drop_column(name)
    if _postgres():
        GIVER.drop(op.get_bind(), checkfirst=True)
