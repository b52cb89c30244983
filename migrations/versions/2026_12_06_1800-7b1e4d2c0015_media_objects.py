"""a row per stored media object: recording, clip, variant, key, size, SHA-256, type

Installations before this kept media only as files under `media/` in the data folder: each
file a recording or clip names gets its row, with its length and SHA-256 read from the
file, so that the sweep and the move know every object. On PostgreSQL a recording's
`size_bytes` becomes a 64-bit column: a 4 GiB upload did not fit the 32-bit one.
"""

import hashlib
from pathlib import Path

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "7b1e4d2c0015"
down_revision = "6a0d5e7f0014"

VARIANT = sa.Enum("original", "audio", "playable", "poster", "clip", "clip_poster", name="variant")
TIME = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "media_object",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=True),
        sa.Column("variant", VARIANT, nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("size", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", TIME(), nullable=False),
        sa.ForeignKeyConstraint(["recording_id"], ["recording.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["clip_id"], ["clip.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_media_object_recording_id", "media_object", ["recording_id"])
    _record_existing_files()
    # A recording's length in bytes: uploads may be 4 GiB, past a 32-bit column.
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("recording", "size_bytes", type_=sa.BigInteger())


def _record_existing_files() -> None:
    from app.core.config import settings
    from app.core.timeutil import utcnow

    root = settings.media_dir
    bind = op.get_bind()
    rows = []
    recordings = bind.execute(
        sa.text("SELECT id, stored_name, playable_name, playable_mime, poster_name FROM recording")
    ).all()
    for rid, stored, playable, mime, poster in recordings:
        named = [
            (stored, "original", "application/octet-stream"),
            ("audio.wav", "audio", "audio/wav"),
        ]
        if playable and playable != stored:
            named.append((playable, "playable", mime or "video/mp4"))
        named.append((poster, "poster", "image/png"))
        rows += [_row(root, rid, None, *entry) for entry in named if entry[0]]
    clips = bind.execute(
        sa.text("SELECT id, recording_id, media_name, media_mime, poster_name FROM clip")
    ).all()
    for cid, rid, media, mime, poster in clips:
        named = [(media, "clip", mime or "video/mp4"), (poster, "clip_poster", "image/png")]
        rows += [_row(root, rid, cid, *entry) for entry in named if entry[0]]
    found = [row for row in rows if row is not None]
    for row in found:
        row["created_at"] = utcnow()
    if found:
        bind.execute(
            sa.text(
                "INSERT INTO media_object (recording_id, clip_id, variant, key, size, sha256, "
                "content_type, created_at) VALUES (:recording_id, :clip_id, :variant, :key, "
                ":size, :sha256, :content_type, :created_at)"
            ),
            found,
        )


def _row(
    root: Path, rid: str, cid: int | None, name: str, variant: str, mime: str
) -> dict[str, object] | None:
    path = root / rid / name
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return {
        "recording_id": rid,
        "clip_id": cid,
        "variant": variant,
        "key": f"{rid}/{name}",
        "size": path.stat().st_size,
        "sha256": digest.hexdigest(),
        "content_type": mime,
    }


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("recording", "size_bytes", type_=sa.Integer())
    op.drop_index("ix_media_object_recording_id", table_name="media_object")
    op.drop_table("media_object")
    if op.get_bind().dialect.name != "sqlite":
        VARIANT.drop(op.get_bind(), checkfirst=True)
