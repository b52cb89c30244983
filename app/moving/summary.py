"""What a finished move tells the operator: what was copied and checked, and the settings
to change, with no secret in them (a terminal's scrollback and logs keep what is printed)."""

from app.core.config import settings
from app.moving.service import Moved, Target, database_url, shown

# Shown of the files without a row; the rest are counted.
LISTED = 20


def lines(moved: Moved, target: Target) -> list[str]:
    url = database_url(target.database_url)
    rows = sum(moved.rows.values())
    said = [
        "",
        "Moved and checked:",
        f"  media objects: {moved.objects} ({moved.object_bytes:,} bytes), each uploaded and "
        "read back, its SHA-256 equal to its row's",
        f"  rows: {rows} in {len(moved.rows)} tables, the counts equal table by table; "
        f"{moved.sequences} sequences set past the highest ids",
        f"  audit log: {moved.audit_entries} entries, the chain verifies on the target",
    ]
    if moved.without_row:
        said += [
            f"Not copied, files in the data folder's media/ that no row names (the sweep "
            f"would remove them): {len(moved.without_row)}",
            *(f"  {key}" for key in moved.without_row[:LISTED]),
        ]
        if len(moved.without_row) > LISTED:
            said.append(f"  … and {len(moved.without_row) - LISTED} more")
    password = " (*** is the password in the URL you gave)" if url.password else ""
    said += [
        "",
        "Change these settings, then start the web app and the worker again:",
        f"  SPARRING_DATABASE_URL={shown(url)}{password}",
        "  SPARRING_STORAGE=s3",
        f"  SPARRING_S3_ENDPOINT={target.s3_endpoint}",
        f"  SPARRING_S3_BUCKET={target.s3_bucket}",
        f"  SPARRING_S3_REGION={target.s3_region}",
        f"  SPARRING_S3_ACCESS_KEY={target.s3_access_key}",
        "  SPARRING_S3_SECRET_KEY=… (the secret key the move was given; not shown)",
        _keep_data_folder(),
        "Its videosparring.db and media/ are no longer used after the change: keep them "
        "until the new installation has run well, then remove them.",
    ]
    if not settings.queue_url:
        said.append(
            "Web and worker processes on other machines share the job queue too: "
            "SPARRING_QUEUE_URL=redis://… (the queue's SQLite file is not moved)."
        )
    return said


def _keep_data_folder() -> str:
    """The audit chain is checked against files in the data folder, keyed by the secret."""
    folder = settings.resolved_data_dir
    if settings.secret_key:
        return (
            f"Keep the data folder ({folder}), or copy its audit-chain-*.log head file to the "
            "new one: the moved audit log is checked against it (SPARRING_SECRET_KEY, which "
            "keys the chain, stays as it is)."
        )
    return (
        f"Keep the data folder ({folder}), or copy its secret.key (the server secret: it keys "
        "the audit chain) and audit-chain-*.log head file to the new one: the moved audit log "
        "is checked against them."
    )
