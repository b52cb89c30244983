"""A clip's protected variant for tests whose subject is not the blurring (sharing with a
team, sessions, notifications): made the quick way by ffmpeg, the whole picture blurred
and the sound silenced (more than the worker hides; tests/test_blurring.py and
tests/test_team_protection.py run the real job), and approved by its caseworker."""

import subprocess
from pathlib import Path

from app.clips import protection
from app.clips.models import Clip, ClipStatus
from app.core.db import session_scope
from app.core.timeutil import utcnow
from app.media import objects as media_objects
from app.media.models import Variant
from app.media.store import current, object_key


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, timeout=120)


def approve_protected(clip_id: int) -> None:
    """The clip's protected variant, made and approved (a clip row without a cut file gets
    the approval alone: its team waits for a file that never comes)."""
    with session_scope() as session:
        clip = session.get(Clip, clip_id)
        assert clip is not None
        clip.protected_status = ClipStatus.ready
        clip.protected_approved_at = utcnow()
        if clip.status == ClipStatus.ready and clip.media_name:
            video = bool(clip.media_mime and clip.media_mime.startswith("video/"))
            store, folder = current(), clip.recording_id
            name, poster = f"team-{clip_id}-factory.mp4", f"team-{clip_id}-factory.png"
            made = store.scratch(object_key(folder, name), "factory")
            still = store.scratch(object_key(folder, poster), "factory")
            with store.local_copy(object_key(folder, clip.media_name), "factory") as cut:
                blur = ["-vf", "boxblur=30:5", "-c:v", "libx264", "-preset", "ultrafast"]
                _ffmpeg("-i", str(cut), *(blur if video else []), "-af", "volume=0",
                        "-c:a", "aac", "-f", "mp4", str(made))  # fmt: skip
            if video:
                _ffmpeg("-i", str(made), "-frames:v", "1", "-f", "image2", str(still))
            mime = "video/mp4" if video else "audio/mp4"
            kept = [(name, made, mime, Variant.team_clip)]
            kept += [(poster, still, "image/png", Variant.team_poster)] if video else []
            for object_name, path, kind, variant in kept:
                stored = store.keep(object_key(folder, object_name), Path(path), content_type=kind)
                media_objects.record(
                    session=session, recording_id=folder, variant=variant, stored=stored,
                    content_type=kind, clip_id=clip_id,
                )  # fmt: skip
            clip.protected_media_name, clip.protected_mime = name, mime
            clip.protected_poster_name = poster if video else None
            clip.protected_fingerprint = protection.current_fingerprint(session, clip)
        session.add(clip)
