"""criteria and feedback

Revision ID: fb0000000001
Revises: 57a7e5000004
Create Date: 2026-11-30 23:00:00

- The rubric: criteria whose wording lives in versions (feedback points at the version it
  was given under), groups, and the setting whether feedback must name a criterion.
- Feedback at a moment of a recording, replies, the criteria of each item, notifications.
- The twelve default criteria (`../shared/DOMAIN.md`), in Danish and English.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "fb0000000001"
down_revision: str | None = "57a7e5000004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (Danish, English, what good looks like in Danish, in English)
DEFAULT_CRITERIA = [
    (
        "Kontaktetablering",
        "Establishing contact",
        "Varm velkomst, neutrale emner at begynde med, kontakt før det svære emne.",
        "Warm welcome, neutral opening topics, contact before the difficult topic.",
    ),
    (
        "Rammesætning – formål og dagsorden",
        "Framing: purpose and agenda",
        "Siger hvorfor man mødes, hvad der skal ske, og hvordan man skal tale sammen.",
        "Says why they meet, what will happen, how they will talk.",
    ),
    (
        "Rammesætning – mandat og rettigheder",
        "Framing: mandate and rights",
        "Forklarer egen rolle, barnets rettigheder (bisidder, må sige nej) og hvad der sker "
        "med det, der bliver sagt.",
        "Explains own role, the child's rights (support person, may decline), what happens "
        "with what is said.",
    ),
    (
        "Grundregler",
        "Ground rules",
        '"Jeg ved det ikke" er i orden; barnet må rette den voksne.',
        '"I don\'t know" is fine; the child may correct the adult.',
    ),
    (
        "Fri fortælling",
        "Free narrative",
        "Barnet fortæller uden at blive afbrudt, inviteret af åbne opfordringer.",
        "The child tells without interruption, invited by open prompts.",
    ),
    (
        "Åbne spørgsmål",
        "Open questioning",
        "Mest åbne invitationer; få valgspørgsmål, ingen ledende spørgsmål; et lukket "
        "spørgsmål følges af et åbent.",
        "Mostly open invitations; few option-posing, no suggestive questions; a closed "
        "question is followed by an open one.",
    ),
    (
        "Aktiv lytning",
        "Active listening",
        "Pauser, små bekræftelser, gentager og opsummerer barnets egne ord.",
        "Pauses, small confirmations, repeating and summarising the child's words.",
    ),
    (
        "Følge barnets initiativ og signaler",
        "Following the child's initiative and signals",
        "Ser, bekræfter og benævner barnets initiativer og følelser; turtagning (Marte Meo).",
        "Notices, confirms and names the child's initiatives and feelings; turn-taking "
        "(Marte Meo).",
    ),
    (
        "Tilpasset kommunikation",
        "Adapted communication",
        "Sprog og redskaber (tegning, De Tre Huse) passer til barnets alder og evner.",
        "Language and tools (drawing, the Three Houses) fit the child's age and abilities.",
    ),
    (
        "Barnets perspektiv",
        "The child's perspective",
        "Udforsker bekymringer, det gode og ønsker (Signs of Safety: De Tre Huse).",
        "Explores worries, good things and wishes (Signs of Safety: the Three Houses).",
    ),
    (
        "Inddragelse i beslutning og barnets plan",
        "Involvement in decisions and the child's plan",
        "Barnet er med til at forme målene; barnets egne ord holdes adskilt fra den voksnes "
        "vurdering.",
        "The child helps shape goals; the child's own words are kept apart from the adult's view.",
    ),
    (
        "Afslutning",
        "Closing",
        "Opsummerer, tjekker forståelsen, forklarer de næste skridt, slutter på en neutral tone.",
        "Summarises, checks understanding, explains next steps, ends on a neutral note.",
    ),
]


def seed_default_criteria(bind: sa.engine.Connection) -> None:
    """The twelve default criteria, each at version 1 (also used by the tests)."""
    now = datetime.now(UTC)
    criterion = sa.table(
        "criterion",
        sa.column("id", sa.Integer),
        sa.column("position", sa.Integer),
        sa.column("version", sa.Integer),
        sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    version = sa.table(
        "criterionversion",
        sa.column("criterion_id", sa.Integer),
        sa.column("version", sa.Integer),
        sa.column("name_da", sa.String),
        sa.column("name_en", sa.String),
        sa.column("description_da", sa.String),
        sa.column("description_en", sa.String),
        sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    for position, (name_da, name_en, description_da, description_en) in enumerate(
        DEFAULT_CRITERIA, start=1
    ):
        inserted = bind.execute(
            criterion.insert()
            .values(position=position, version=1, created_at=now)
            .returning(criterion.c.id)
        ).scalar_one()
        bind.execute(
            version.insert().values(
                criterion_id=inserted,
                version=1,
                name_da=name_da,
                name_en=name_en,
                description_da=description_da,
                description_en=description_en,
                created_at=now,
            )
        )


def upgrade() -> None:
    op.create_table(
        "criteriongroup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_da", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "rubricsettings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("criteria_required", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "criterion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("retired_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["criteriongroup.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("criterion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_criterion_group_id"), ["group_id"], unique=False)

    op.create_table(
        "criterionversion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name_da", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("description_da", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("description_en", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["criterion_id"], ["criterion.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("criterion_id", "version"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("criterionversion", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_criterionversion_criterion_id"), ["criterion_id"], unique=False
        )

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum("strength", "development_point", "question", name="feedbackkind"),
            nullable=True,
        ),
        sa.Column("start_seconds", sa.Float(), nullable=True),
        sa.Column("end_seconds", sa.Float(), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("draft", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("published_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("edited_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["parent_id"], ["feedback.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recording_id"], ["recording.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_feedback_recording_id"), ["recording_id"], unique=False
        )

    op.create_table(
        "feedbackcriterion",
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("criterion_version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["criterion_id"],
            ["criterion.id"],
        ),
        sa.ForeignKeyConstraint(
            ["criterion_version_id"],
            ["criterionversion.id"],
        ),
        sa.ForeignKeyConstraint(["feedback_id"], ["feedback.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("feedback_id", "criterion_id"),
    )
    with op.batch_alter_table("feedbackcriterion", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedbackcriterion_criterion_id"), ["criterion_id"], unique=False
        )

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column(
            "reason", sa.Enum("published", "reply", name="notificationreason"), nullable=False
        ),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("read_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["feedback_id"], ["feedback.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recording_id"], ["recording.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_user_id"), ["user_id"], unique=False)

    seed_default_criteria(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_user_id"))

    op.drop_table("notification")
    with op.batch_alter_table("feedbackcriterion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedbackcriterion_criterion_id"))

    op.drop_table("feedbackcriterion")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_recording_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_parent_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_author_id"))

    op.drop_table("feedback")
    with op.batch_alter_table("criterionversion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_criterionversion_criterion_id"))

    op.drop_table("criterionversion")
    with op.batch_alter_table("criterion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_criterion_group_id"))

    op.drop_table("criterion")
    op.drop_table("rubricsettings")
    op.drop_table("criteriongroup")
    if op.get_bind().dialect.name == "postgresql":
        for enum in ("feedbackkind", "notificationreason"):
            op.execute(f"DROP TYPE IF EXISTS {enum}")
