"""The tests' settings, set before the app is imported (it reads them at import): a
throwaway data folder per process, fast leases, the bundled Whisper model. Import this
module before anything from `app` (tests/conftest.py does, and scripts/screenshots.py).

The processes of one run (pytest-xdist's workers and the one that starts them) also share
a folder, `RUN_FOLDER`: files made once per run (the media, the template databases) live
there, made by whichever process needs them first (`tests.support.made_once`). The run's
first process removes it at the end (tests/conftest.py)."""

import os
import tempfile
import uuid
from pathlib import Path

DATA = Path(tempfile.mkdtemp(prefix="videosparring-test-"))
os.environ.update(
    {
        "SPARRING_DATA_DIR": str(DATA),
        "SPARRING_ENVIRONMENT": "test",
        "SPARRING_WHISPER_MODEL": "bundled-tiny.en",
        "SPARRING_WHISPER_CPU_THREADS": "2",
        "SPARRING_JOB_LEASE_SECONDS": "4",
        "SPARRING_JOB_HEARTBEAT_SECONDS": "1",
        "SPARRING_REAPER_INTERVAL_SECONDS": "1",
        # Cheap password hashes: a login costs ~2 ms instead of ~0.15 s of argon2 (the
        # production cost is the library's, checked in tests/test_accounts.py).
        "SPARRING_PASSWORD_HASH_TIME_COST": "1",
        "SPARRING_PASSWORD_HASH_MEMORY_KIB": "1024",
    }
)
os.environ.pop("SPARRING_DATABASE_URL", None)
os.environ.pop("SPARRING_QUEUE_URL", None)

# pytest-xdist's workers inherit the environment of the process that starts them.
if "PYTEST_XDIST_WORKER" not in os.environ:
    os.environ["SPARRING_TEST_RUN"] = uuid.uuid4().hex[:12]
RUN = os.environ["SPARRING_TEST_RUN"]
# One server secret for the run: what one process seals (an authenticator's secret in the
# template database) another process, or a live server, opens.
os.environ.setdefault("SPARRING_SECRET_KEY", f"test-run-{RUN}")
RUN_FOLDER = Path(tempfile.gettempdir()) / f"videosparring-run-{RUN}"
