"""Baseline: the schema exactly as the last release (7a1100000009) left it, in one step.

It replaces the ten migrations that led there, so a database older than that release has
no path from here: upgrade to the previous release first.
"""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "7a1100000009"
down_revision = None

INT, FLOAT, BOOL, DATE = sa.Integer, sa.Float, sa.Boolean, sa.Date
STR, TIME = sqlmodel.sql.sqltypes.AutoString, sqlmodel.sql.sqltypes.UTCDateTime
SCHEMA = sa.MetaData()
INDEXES: list[tuple[str, str, bool]] = []

# The audit log is append-only: the database itself refuses changes and deletions.
# (Someone with full database access can still drop these; the hash chain shows it.)
SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON auditentry
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON auditentry
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
]
POSTGRES_TRIGGER = [
    """CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$""",
    """CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON auditentry
       FOR EACH ROW EXECUTE FUNCTION audit_append_only()""",
]


def _col(name: str, type_: Any, null: bool = False, **kw: Any) -> sa.Column[Any]:
    """A column, NOT NULL unless `null`."""
    return sa.Column(name, type_, nullable=null, **kw)


def _key(name: str = "id", type_: Any = INT) -> sa.Column[Any]:
    return sa.Column(name, type_, primary_key=True)


def _enum(name: str, type_name: str, *values: str, null: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Enum(*values, name=type_name), nullable=null)


def _fk(column: str, target: str, ondelete: str | None = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete=ondelete)


def _table(name: str, *items: Any, index: tuple[str, ...] = (), unique: str = "") -> None:
    """A table, and an index `ix_<table>_<column>` on each column named (in this order). An
    integer key never gives a deleted row's id again (SQLite: AUTOINCREMENT; PostgreSQL: a
    sequence)."""
    sa.Table(name, SCHEMA, *items, sqlite_autoincrement=True)
    INDEXES.extend((name, column, column == unique) for column in (*index, unique) if column)


_table(
    "auditentry",
    _key("seq"),
    _col("at", TIME),
    _col("actor_id", INT, null=True),
    _col("actor_email", STR(254), null=True),
    _col("action", STR(40)),
    _col("recording_id", STR(32), null=True),
    _col("detail", STR(500)),
    _col("ip", STR(64), null=True),
    _col("prev_hash", STR(64)),
    _col("hash", STR(64)),
    sa.UniqueConstraint("hash"),
    index=("action", "actor_id", "at", "recording_id"),
)
_table("audithead", _key(), _col("seq", INT), _col("hash", STR(64)))
_table(
    "retentionpolicy",
    _key(),
    _col("default_days", INT),
    _col("max_days", INT),
    _col("warn_days", INT),
    _col("updated_at", TIME),
)
_table(
    "team", _key(), _col("name", STR(120)), _col("created_at", TIME), sa.UniqueConstraint("name")
)
_table(
    "user",
    _key(),
    _col("email", STR(254)),
    _col("name", STR(120)),
    _enum("role", "role", "administrator", "leader", "supervisor", "caseworker"),
    _col("password_hash", STR(255), null=True),
    _col("active", BOOL),
    _col("created_at", TIME),
    _col("password_changed_at", TIME),
    _col("link_password_at", TIME, null=True),
    _col("reset_notice_due", BOOL, server_default=sa.false()),
    _col("language", STR(8), null=True),
    unique="email",
)
_table(
    "authsession",
    _key("token_hash", STR(64)),
    _col("user_id", INT),
    _col("created_at", TIME),
    _col("expires_at", TIME),
    _fk("user_id", "user"),
    index=("user_id",),
)
_table(
    "accountlink",
    _key("token_hash", STR(64)),
    _col("user_id", INT),
    _col("purpose", STR(16)),
    _col("created_by_id", INT, null=True),
    _col("created_at", TIME),
    _col("expires_at", TIME),
    _col("used_at", TIME, null=True),
    _fk("created_by_id", "user", "SET NULL"),
    _fk("user_id", "user"),
    index=("user_id",),
)
_table(
    "recording",
    _col("title", STR(200)),
    _col("case_reference", STR(64)),
    _col("language", STR(8)),
    _key("id", STR(32)),
    _col("owner_id", INT),
    _col("delete_after", DATE),
    _col("original_filename", STR(255)),
    _col("stored_name", STR(64)),
    _col("size_bytes", INT),
    _col("sha256", STR(64)),
    _col("duration_seconds", FLOAT),
    _col("container", STR(64)),
    _col("has_video", BOOL),
    _col("video_codec", STR(32), null=True),
    _col("audio_codec", STR(32), null=True),
    _col("width", INT, null=True),
    _col("height", INT, null=True),
    _col("streams", STR),
    _enum("status", "recordingstatus", "queued", "processing", "ready", "failed"),
    _col("progress", FLOAT),
    _col("stage", STR(32), null=True),
    _col("failure_reason", STR(1000), null=True),
    _col("playable_name", STR(64), null=True),
    _col("playable_mime", STR(64), null=True),
    _col("poster_name", STR(64), null=True),
    _col("created_at", TIME),
    _col("updated_at", TIME),
    _fk("owner_id", "user"),
    index=("created_at", "delete_after", "owner_id", "sha256", "status"),
)
_table(
    "teammember",
    _key("team_id"),
    _key("user_id"),
    _fk("team_id", "team"),
    _fk("user_id", "user"),
)
_table(
    "consent",
    _key("recording_id", STR),
    _col("child_consented", BOOL),
    _col("custody_holders_consented", BOOL),
    _col("consented_on", DATE),
    _col("purpose", STR(32)),
    _col("recorded_by_id", INT),
    _col("created_at", TIME),
    _fk("recorded_by_id", "user"),
    _fk("recording_id", "recording"),
)
_table(
    "job",
    _key(),
    _col("recording_id", STR),
    _col("kind", STR(32)),
    _enum("status", "jobstatus", "queued", "running", "succeeded", "failed"),
    _col("attempts", INT),
    _col("max_attempts", INT),
    _col("lease_owner", STR(128), null=True),
    _col("lease_expires_at", TIME, null=True),
    _col("progress", FLOAT),
    _col("stage", STR(32), null=True),
    _col("last_error", STR(1000), null=True),
    _col("created_at", TIME),
    _col("updated_at", TIME),
    _col("finished_at", TIME, null=True),
    _col("claim_token", STR(64), null=True),
    _col("enqueued_at", TIME, null=True),
    _col("started_at", TIME, null=True),
    # A clip job names its clip, with no foreign key: deleting a clip leaves its jobs to
    # end on their own (the worker finds no clip).
    _col("clip_id", INT, null=True),
    _fk("recording_id", "recording"),
    index=("lease_expires_at", "recording_id", "status", "clip_id"),
)
_table(
    "share",
    _key(),
    _col("recording_id", STR),
    _col("user_id", INT, null=True),
    _col("team_id", INT, null=True),
    _col("shared_by_id", INT),
    _col("created_at", TIME),
    _col("granted_at", TIME),
    _fk("recording_id", "recording"),
    _fk("shared_by_id", "user"),
    _fk("team_id", "team"),
    _fk("user_id", "user"),
    index=("recording_id", "team_id", "user_id"),
)
_table(
    "sharemember",
    _key("share_id"),
    _key("user_id"),
    _col("team_id", INT),
    _col("granted_at", TIME),
    _fk("share_id", "share"),
    sa.ForeignKeyConstraint(
        ["team_id", "user_id"], ["teammember.team_id", "teammember.user_id"], ondelete="CASCADE"
    ),
    index=("user_id",),
)
_table(
    "auditviewing",
    _key("user_id"),
    _key("recording_id", STR(32)),
    _key("kind", STR(16)),
    _col("started_at", TIME),
    _fk("recording_id", "recording"),
    _fk("user_id", "user"),
)
_table(
    "transcript",
    _key(),
    _col("recording_id", STR),
    _col("language", STR(8)),
    _col("model_name", STR(255)),
    _col("created_at", TIME),
    _col("complete", BOOL, server_default=sa.true()),
    _fk("recording_id", "recording"),
    sa.UniqueConstraint("recording_id"),
)
_table(
    "segment",
    _key(),
    _col("transcript_id", INT),
    _col("position", INT),
    _col("start", FLOAT),
    _col("end", FLOAT),
    _col("machine_text", STR),
    _col("corrected_text", STR, null=True),
    _enum("speaker", "speaker", "caseworker", "child", "other", null=True),
    _col("edited_at", TIME, null=True),
    _fk("transcript_id", "transcript"),
    index=("transcript_id",),
)
_table(
    "word",
    _key(),
    _col("segment_id", INT),
    _col("position", INT),
    _col("start", FLOAT),
    _col("end", FLOAT),
    _col("text", STR(200)),
    _col("probability", FLOAT),
    _fk("segment_id", "segment"),
    index=("segment_id",),
)
_table(
    "criteriongroup",
    _key(),
    _col("name_da", STR(120)),
    _col("name_en", STR(120)),
    _col("position", INT),
    _col("created_at", TIME),
)
_table("rubricsettings", _key(), _col("criteria_required", BOOL), _col("updated_at", TIME))
_table(
    "criterion",
    _key(),
    _col("position", INT),
    _col("group_id", INT, null=True),
    _col("version", INT),
    _col("retired_at", TIME, null=True),
    _col("created_at", TIME),
    _fk("group_id", "criteriongroup", "SET NULL"),
    index=("group_id",),
)
_table(
    "criterionversion",
    _key(),
    _col("criterion_id", INT),
    _col("version", INT),
    _col("name_da", STR(120)),
    _col("name_en", STR(120)),
    _col("description_da", STR(500)),
    _col("description_en", STR(500)),
    _col("created_at", TIME),
    _fk("criterion_id", "criterion"),
    sa.UniqueConstraint("criterion_id", "version"),
    index=("criterion_id",),
)
_table(
    "feedback",
    _key(),
    _col("recording_id", STR(32)),
    _col("author_id", INT, null=True),
    _col("parent_id", INT, null=True),
    _enum("kind", "feedbackkind", "strength", "development_point", "question", null=True),
    _col("start_seconds", FLOAT, null=True),
    _col("end_seconds", FLOAT, null=True),
    _col("text", STR(4000)),
    _col("draft", BOOL),
    _col("created_at", TIME),
    _col("published_at", TIME, null=True),
    _col("edited_at", TIME, null=True),
    _col("deleted_at", TIME, null=True),
    _fk("author_id", "user", "SET NULL"),
    _fk("parent_id", "feedback"),
    _fk("recording_id", "recording"),
    index=("author_id", "parent_id", "recording_id"),
)
_table(
    "feedbackcriterion",
    _key("feedback_id"),
    _key("criterion_id"),
    _col("criterion_version_id", INT),
    _fk("criterion_id", "criterion", None),
    _fk("criterion_version_id", "criterionversion", None),
    _fk("feedback_id", "feedback"),
    index=("criterion_id",),
)
_table(
    "notification",
    _key(),
    _col("user_id", INT),
    _col("recording_id", STR(32)),
    _col("feedback_id", INT, null=True),
    _col("actor_id", INT, null=True),
    _enum("reason", "notificationreason", "published", "reply"),
    _col("count", INT),
    _col("created_at", TIME),
    _col("read_at", TIME, null=True),
    _fk("actor_id", "user", "SET NULL"),
    _fk("feedback_id", "feedback"),
    _fk("recording_id", "recording"),
    _fk("user_id", "user"),
    index=("user_id",),
)
_table(
    "clip",
    _key(),
    _col("recording_id", STR(32)),
    _col("owner_id", INT),
    _col("title", STR(200)),
    _col("request_text", STR(2000)),
    _col("start_seconds", FLOAT),
    _col("end_seconds", FLOAT),
    _enum("status", "clipstatus", "queued", "processing", "ready", "failed"),
    _col("progress", FLOAT),
    _col("failure_reason", STR(1000), null=True),
    _col("media_name", STR(64), null=True),
    _col("media_mime", STR(64), null=True),
    _col("poster_name", STR(64), null=True),
    _col("created_at", TIME),
    _col("updated_at", TIME),
    _fk("owner_id", "user"),
    _fk("recording_id", "recording"),
    index=("owner_id", "recording_id"),
)
_table(
    "clipshare",
    _key(),
    _col("clip_id", INT),
    _col("user_id", INT, null=True),
    _col("team_id", INT, null=True),
    _col("shared_by_id", INT),
    _col("created_at", TIME),
    _fk("clip_id", "clip"),
    _fk("shared_by_id", "user"),
    _fk("team_id", "team"),
    _fk("user_id", "user"),
    index=("clip_id", "team_id", "user_id"),
)
_table(
    "clipsharemember",
    _key("share_id"),
    _key("user_id"),
    _col("team_id", INT),
    _col("granted_at", TIME),
    _fk("share_id", "clipshare"),
    sa.ForeignKeyConstraint(
        ["team_id", "user_id"], ["teammember.team_id", "teammember.user_id"], ondelete="CASCADE"
    ),
    index=("user_id",),
)
_table(
    "sparringsession",
    _key(),
    _enum("kind", "sessionkind", "individual", "team"),
    _col("caseworker_id", INT),
    _col("planned_by_id", INT, null=True),
    _col("recording_id", STR(32)),
    _col("clip_id", INT, null=True),
    _col("on_clip", BOOL),
    _col("team_id", INT, null=True),
    _col("starts_at", TIME),
    _col("question", STR(4000)),
    _enum("state", "sessionstate", "planned", "running", "closed"),
    _col("round_user_id", INT, null=True),
    _enum("round_phase", "roundphase", "strength", "development_point", "question", null=True),
    _col("summary", STR(8000)),
    _col("learning_points", STR(4000)),
    _col("created_at", TIME),
    _col("closed_at", TIME, null=True),
    _fk("caseworker_id", "user"),
    _fk("planned_by_id", "user", "SET NULL"),
    _fk("recording_id", "recording"),
    _fk("clip_id", "clip", "SET NULL"),
    _fk("team_id", "team", "SET NULL"),
    index=("caseworker_id", "planned_by_id", "recording_id", "clip_id"),
)
_table(
    "sessionparticipant",
    _key("session_id"),
    _key("user_id"),
    _enum("role", "participantrole", "caseworker", "participant"),
    _col("position", INT),
    _col("added_at", TIME),
    _fk("session_id", "sparringsession"),
    _fk("user_id", "user"),
    index=("user_id",),
)


def upgrade() -> None:
    bind = op.get_bind()
    SCHEMA.create_all(bind, checkfirst=False)
    for table, column, unique in INDEXES:
        op.create_index(f"ix_{table}_{column}", table, [column], unique=unique)
    for statement in SQLITE_TRIGGERS if bind.dialect.name == "sqlite" else POSTGRES_TRIGGER:
        op.execute(statement)
    seed_default_criteria(bind)


def downgrade() -> None:
    bind = op.get_bind()
    SCHEMA.drop_all(bind, checkfirst=False)  # on PostgreSQL with the enum types
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_append_only()")


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
