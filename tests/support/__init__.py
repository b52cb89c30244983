"""What the test modules share, one module per feature, named after the app package it
serves where there is one. Fixtures live in tests/conftest.py, and in the modules it
registers as plugins (browser, jobs). `ROOT` and `made_once` are here.

- environment: the tests' settings and data folder (import it before the app); the run's folder
- database: the run's template databases, restoring a test's database from them, migrating
- accounts: the base users, `login`, `post_login`, `live_client`, `user_id`, more people and
  teams, `open_client`'s clients, one-time links
- access: the access matrix's actors and recording (`email_of`, `new_recording`, `TITLE`)
- audit: the entries a test caused (`last_seq`, `entries`)
- recordings: `upload` with a consent record, `share`
- media: real media made at test time (`MediaSet`, `FORMATS`, long speech, silences)
- factories: ready recordings without the pipeline (`ready_recording`, `make_ready`, lines)
- jobs: queued jobs run in this process, worker processes (`workers`), the job's state
- speech: the word error rate
- feedback: the criteria as migrated, feedback given, its scene in the access matrix
- clips: clips through the API and the clip job; their scene in the access matrix
- sessions: sparring sessions planned; their scene in the access matrix
- live: a session's live channel (`make_scene`, `joined`)
- browser: Chromium (`browser`, `page`, `tab_for`, `tabs`, `api`), logging in, script
  errors, forms the pages share, axe-core (`axe_page`, `axe_violations`)
- servers: the app under uvicorn, worker processes, waiting, raw HTTP, a disk that fills
"""

import fcntl
import os
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository


def made_once(folder: Path, name: str, make: Callable[[Path], object]) -> Path:
    """The file `name` in `folder`, made by `make(path)` if no process has made it yet. The
    first process to need it makes it under a lock; the others wait for it. `make` writes
    to a temporary name with the same suffix, renamed when complete."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if path.exists():
        return path
    with (folder / f".{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            partial = folder / f".{os.getpid()}-{name}"
            make(partial)
            partial.replace(path)
    return path
