"""Load test: the deployment at scale on loopback, driven by Locust (bench/locustfile.py).

The deployment: a database of its own on the PostgreSQL at 127.0.0.1:5432, the queue and
the live rooms on the Redis at 127.0.0.1:6379 (a database number of its own, emptied
before and after), media in a bucket of its own on the SeaweedFS at 127.0.0.1:8333 (the
servers scripts/test starts), one app process (uvicorn) and two workers
(`python -m app.cli worker`, the real faster-whisper with the bundled base model).

Accounts are made with the app's own service and logged in here through the real login
form with a real authenticator code (each once); Locust gets their cookies. Seeded: ready
recordings (a minute of WebM each) shared with the supervisors, and a team session.

1. **The mixed run**: caseworkers each upload a spoken recording (about 8 s of Danish,
   espeak-ng) once and follow it; supervisors read pages, play with range requests and add
   published feedback; a team session's three participants on the live channel, one
   presenting. Afterwards: the queue drained, every upload transcribed, every feedback item
   Locust saw accepted present in the database. Target: no errors.
2. **Capacity**: the workers stopped, the app pinned to core 0 and Locust to core 1; the
   same people without uploads, at growing numbers of simultaneous users (one Locust run
   per step): page p95 per step. How many users one core carries at page p95 < 300 ms.

    .venv/bin/python bench/load.py [--users 24 --run-time 120] [--steps 20,40,60,80]
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from harness import BENCH, ROOT, WORK, command_line, log, parse, results, server, stamp
from speech_audio import speak

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
REDIS = "redis://127.0.0.1:6379/13"  # a database number no test uses
S3 = {
    "endpoint": "http://127.0.0.1:8333",
    "key": "videosparring-test",
    "secret": "videosparring-test-secret-key",
}  # fmt: skip  (scripts/lib.sh starts it)
PAGE_P95_TARGET_MS = 300.0
SEEDED_SECONDS = 60
THINK = (3.0, 7.0)  # seconds between one person's actions: far busier than a reader
TEXT = (
    "Hej, jeg hedder Mette, og jeg er din rådgiver. I dag skal vi tale om, hvordan du har "
    "det i skolen. Kan du fortælle mig om en god dag?"
)


def main() -> None:
    parser = command_line(__doc__ or "")
    parser.add_argument("--users", type=int, default=24, help="people in the mixed run")
    parser.add_argument("--run-time", type=int, default=120, help="seconds of the mixed run")
    parser.add_argument("--steps", default="20,40,60,80,100,120",
                        help="simultaneous users per capacity step ('' skips it)")  # fmt: skip
    parser.add_argument("--step-time", type=int, default=60, help="seconds per capacity step")
    args = parse(parser, users=9, run_time=40, steps="10,20", step_time=20)
    steps = [int(n) for n in args.steps.split(",") if n.strip()]
    name = f"load{stamp().replace('-', '')}"
    with server.data_folder("load", keep=args.keep) as folder:
        env = deployment(folder, name)
        try:
            figures = run(args, env, folder, steps)
        finally:
            take_down(name)
    results.report(args, "load", figures, markdown(figures))


# The deployment ---------------------------------------------------------------------------


def deployment(folder: Path, name: str) -> dict[str, str]:
    import psycopg
    import redis

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    redis.Redis.from_url(REDIS).flushdb()
    env = server.use_in_process(
        folder,
        SPARRING_DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
        SPARRING_QUEUE_URL=REDIS,
        SPARRING_STORAGE="s3",
        SPARRING_S3_ENDPOINT=S3["endpoint"],
        SPARRING_S3_BUCKET=name,
        SPARRING_S3_REGION="us-east-1",
        SPARRING_S3_ACCESS_KEY=S3["key"],
        SPARRING_S3_SECRET_KEY=S3["secret"],
        # A hundred people behind one address (the loopback) are not an attack here.
        SPARRING_LOGIN_MAX_FAILURES_PER_ADDRESS="100000",
    )
    s3_client().create_bucket(Bucket=name)
    done = subprocess.run([sys.executable, "-m", "app.cli", "migrate"], cwd=ROOT, env=env,
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"migrate failed:\n{done.stdout}\n{done.stderr}")
    return env


def s3_client() -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=S3["endpoint"],
        region_name="us-east-1",
        aws_access_key_id=S3["key"],
        aws_secret_access_key=S3["secret"],
    )


def take_down(name: str) -> None:
    import psycopg
    import redis

    from app.core.db import get_engine

    get_engine().dispose()
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
    redis.Redis.from_url(REDIS).flushdb()
    s3 = s3_client()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=name, Key=item["Key"])
    s3.delete_bucket(Bucket=name)


# The people -------------------------------------------------------------------------------


def people(base: str, role: str, count: int, prefix: str) -> list[dict[str, Any]]:
    """`count` accounts of `role`, each logged in once through the real forms."""
    import httpx

    from app.accounts.models import Role
    from tests.support.accounts import login, make_user

    made = []
    for n in range(count):
        email = f"{prefix}{n:03d}@belastning.test"
        uid = make_user(email, Role(role))
        client = login(httpx.Client(base_url=base, timeout=60), email)
        cookies = {k: v for k, v in client.cookies.items() if k in ("vs_session", "vs_csrf")}
        made.append({"n": n, "email": email, "id": uid, "cookies": cookies, "client": client})
    return made


def seed(base: str, folder: Path, counts: dict[str, int]) -> dict[str, Any]:
    """The accounts, the supervisors' recordings and the team session; the pool Locust reads."""
    from datetime import timedelta

    from app.core.timeutil import utcnow
    from tests.support.factories import ready_recording
    from tests.support.media import MediaSet
    from tests.support.recordings import CONSENT

    media = MediaSet(WORK / "load-media")
    caseworkers = people(base, "caseworker", counts["caseworkers"], "cw")
    supervisors = people(base, "supervisor", counts["supervisors"], "sv")
    owner = caseworkers[0]["client"]
    criteria = [c["id"] for c in owner.get("/api/v1/criteria").json()["criteria"]
                if not c["retired"]]  # fmt: skip
    sizes = {}
    for person in caseworkers:  # a ready recording each, a minute of WebM
        client = person["client"]
        rid = ready_recording(client, media, title=f"Samtale {person['n']}", seconds=SEEDED_SECONDS)
        sizes[rid] = int(client.head(f"/api/v1/recordings/{rid}/media").headers["content-length"])
        person["recording"] = rid

    def share(owner: dict[str, Any], person: dict[str, Any]) -> str:
        rid = owner["recording"]
        answer = owner["client"].post(f"/api/v1/recordings/{rid}/shares",
                                      json={"user_id": person["id"]})  # fmt: skip
        assert answer.status_code in (201, 409), answer.text
        return str(rid)

    for k, person in enumerate(supervisors):  # two caseworkers' recordings each
        owners = [caseworkers[k % len(caseworkers)], caseworkers[(k + 1) % len(caseworkers)]]
        person["recordings"] = sorted({share(o, person) for o in owners})
        person["sizes"] = {rid: sizes[rid] for rid in person["recordings"]}
    # The team session: the first caseworker presents their recording to two colleagues.
    team = [caseworkers[0], supervisors[0], caseworkers[1]]
    rid = share(caseworkers[0], caseworkers[1])
    session = owner.post("/api/v1/sessions", json={
        "kind": "team", "recording_id": rid, "user_ids": [team[1]["id"], team[2]["id"]],
        "starts_at": (utcnow() + timedelta(hours=1)).isoformat(),
        "question": "Hvordan åbner jeg samtalen?",
    })  # fmt: skip
    assert session.status_code == 201, session.text
    wav = WORK / "load-speech.wav"
    if not wav.exists():
        speak(TEXT, "da", 150, wav)
    strip = lambda p: {k: v for k, v in p.items() if k != "client"}  # noqa: E731
    return {
        "think": THINK,
        "seconds": SEEDED_SECONDS,
        "criteria": criteria,
        "caseworkers": [strip(p) for p in caseworkers],
        "supervisors": [strip(p) for p in supervisors],
        "live": {
            "path": f"/api/v1/sessions/{session.json()['id']}/live",
            "people": [{**strip(p), "presenter": i == 0} for i, p in enumerate(team)],
        },
        "upload": {
            "path": str(wav),
            "fields": {"case_reference": "SAG-LOAD", "language": "da", **CONSENT},
        },
        "feedback": True,
        "counts": {},
    }


# Runs -----------------------------------------------------------------------------------


def locust(
    base: str, pool: dict[str, Any], folder: Path, label: str, seconds: int, core: int | None
) -> dict[str, Any]:
    """One headless Locust run with the pool's people; its figures per request kind."""
    path = folder / f"pool-{label}.json"
    path.write_text(json.dumps(pool))
    users = sum(pool["counts"].values())
    prefix = folder / f"locust-{label}"
    command = ["locust", "-f", str(BENCH / "locustfile.py"), "--headless", "--only-summary",
               "-u", str(users), "-r", str(max(1, users // 5)), "--run-time", f"{seconds}s",
               "--stop-timeout", "10", "--host", base, "--csv", str(prefix)]  # fmt: skip
    if core is not None:
        command = ["taskset", "-c", str(core), *command]
    log(f"locust {label}: {users} users for {seconds} s")
    env = {**os.environ, "LOAD_POOL": str(path), "PATH": f"{Path(sys.executable).parent}:"
           + os.environ["PATH"]}  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    (folder / f"locust-{label}.log").write_text(done.stdout + done.stderr)
    if done.returncode not in (0, 1):  # 1: some requests failed (reported, not fatal)
        raise RuntimeError(f"locust failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return {"users": users, "seconds": seconds, "kinds": read_stats(Path(f"{prefix}_stats.csv")),
            "failures": read_failures(Path(f"{prefix}_failures.csv"))}  # fmt: skip


def read_stats(path: Path) -> dict[str, dict[str, float]]:
    kinds = {}
    with path.open() as fh:
        for row in csv.DictReader(fh):
            name = row["Name"] if row["Type"] != "" else "all"
            kinds[name] = {
                "count": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50": float(row["50%"] or 0),
                "p95": float(row["95%"] or 0),
                "p99": float(row["99%"] or 0),
                "max": float(row["Max Response Time"] or 0),
            }
    return kinds


def read_failures(path: Path) -> list[str]:
    if not path.exists():
        return []
    with path.open() as fh:
        return [f"{r['Name']}: {r['Error']} ({r['Occurrences']}x)" for r in csv.DictReader(fh)]


def page_p95(kinds: dict[str, dict[str, float]]) -> float:
    """The worst page's p95 (each page kind is counted apart: a fast list must not hide a
    slow recording page)."""
    pages = {k: v for k, v in kinds.items() if k.startswith("page ")}
    return max((v["p95"] for v in pages.values()), default=0.0)


def made_by_locust(path: Path) -> dict[str, set[str]]:
    """The ids the server answered 201 with during the run, by kind."""
    made: dict[str, set[str]] = {"recording": set(), "feedback": set()}
    if path.exists():
        for line in path.read_text().splitlines():
            kind, _, ident = line.partition(" ")
            made[kind].add(ident)
    return made


def after_the_run(made: dict[str, set[str]]) -> dict[str, Any]:
    """Wait for the queue to drain; find in the database every recording and feedback item
    the server said it made (a request still in flight when Locust stopped may add rows
    Locust never heard of: they are counted apart)."""
    from sqlalchemy import func
    from sqlmodel import col, select

    from app.core.db import session_scope
    from app.feedback.models import Feedback
    from app.jobs.models import Job, JobStatus
    from app.recordings.models import Recording, RecordingStatus
    from app.transcripts.models import Segment, Transcript

    def unfinished() -> int:
        with session_scope() as session:
            open_ = (JobStatus.queued, JobStatus.running)
            return int(session.exec(select(func.count()).select_from(Job)
                       .where(col(Job.status).in_(open_))).one())  # fmt: skip

    t0 = time.perf_counter()
    server.wait_until(lambda: unfinished() == 0, 900, "the queue to drain", every=1.0)
    drained = time.perf_counter() - t0
    uploaded, given = made["recording"], {int(i) for i in made["feedback"]}
    with session_scope() as session:
        loaded = session.exec(select(Recording).where(Recording.case_reference == "SAG-LOAD")).all()
        mine = [r for r in loaded if r.id in uploaded]
        ready = [r for r in mine if r.status == RecordingStatus.ready]
        with_lines = sum(
            1 for r in ready
            if session.exec(select(func.count()).select_from(Segment).join(Transcript)
                            .where(Transcript.recording_id == r.id)).one() > 0
        )  # fmt: skip
        failed = session.exec(select(func.count()).select_from(Job)
                              .where(col(Job.status) == JobStatus.failed)).one()  # fmt: skip
        found = session.exec(select(func.count()).select_from(Feedback)
                             .where(col(Feedback.id).in_(given))).one() if given else 0  # fmt: skip
        stored = session.exec(select(func.count()).select_from(Feedback)).one()
    return {"uploads_accepted": len(uploaded), "recordings": len(loaded), "ready": len(ready),
            "transcribed": with_lines, "jobs_failed": int(failed), "drain_seconds": drained,
            "feedback_accepted": len(given), "feedback_found": int(found),
            "feedback_stored": int(stored)}  # fmt: skip


def run(args: Any, env: dict[str, str], folder: Path, steps: list[int]) -> dict[str, Any]:
    live = 3
    cw = max(2, (args.users - live) // 2)
    sv = max(1, args.users - live - cw)
    most = max(steps, default=0)
    # Enough accounts for the largest capacity step (the live three are among them).
    counts = {"caseworkers": max(cw, (most + 1) // 2), "supervisors": max(sv, most // 2)}
    app = server.Server(env)
    workers: list[Any] = []
    figures: dict[str, Any] = {"deployment": {
        "database": "PostgreSQL (own database on 127.0.0.1:5432)",
        "queue": "Redis (127.0.0.1:6379, own database number)",
        "media": "SeaweedFS S3 (own bucket, 127.0.0.1:8333)",
        "app": "one uvicorn process", "workers": 2, "think_seconds": list(THINK)}}  # fmt: skip
    try:
        log("making and logging in the accounts, seeding recordings")
        pool = seed(app.base, folder, counts)
        # Started after the seeding: the seeded recordings' jobs are finished by the factory.
        workers = [server.Worker(env, folder / f"worker{i}.log", f"worker {i}") for i in range(2)]
        mixed = {**pool, "caseworkers": pool["caseworkers"][:cw],
                 "supervisors": pool["supervisors"][:sv],
                 "counts": {"caseworkers": cw, "supervisors": sv, "live": live}}  # fmt: skip
        mixed["created"] = str(folder / "created.txt")
        result = locust(app.base, mixed, folder, "mixed", args.run_time, None)
        result["after"] = after_the_run(made_by_locust(folder / "created.txt"))
        figures["mixed"] = result
        for worker in workers:
            worker.stop()
        workers = []
        app.stop()
        # Capacity: one core for the app, the other for Locust; no uploads, no workers.
        app = server.Server(env)
        os.sched_setaffinity(app.pid, {0})
        for tid in os.listdir(f"/proc/{app.pid}/task"):
            os.sched_setaffinity(int(tid), {0})
        figures["capacity"] = []
        for users in steps:
            n_cw = (users - live) // 2
            step = {**pool, "caseworkers": pool["caseworkers"][:n_cw], "upload": None,
                    "supervisors": pool["supervisors"][: users - live - n_cw], "feedback": True,
                    "counts": {"caseworkers": n_cw, "supervisors": users - live - n_cw,
                               "live": live}}  # fmt: skip
            res = locust(app.base, step, folder, f"step{users}", args.step_time, 1)
            res["page_p95"] = page_p95(res["kinds"])
            figures["capacity"].append(res)
            log(f"  {users} users: page p95 {res['page_p95']:.0f} ms, "
                f"{res['kinds']['all']['rps']:.1f} requests/s")  # fmt: skip
            if res["page_p95"] >= PAGE_P95_TARGET_MS:
                break
        under = [c["users"] for c in figures["capacity"] if c["page_p95"] < PAGE_P95_TARGET_MS]
        figures["capacity_users"] = max(under, default=0)
    finally:
        for worker in workers:
            worker.stop()
        app.stop()
    return figures


# The summary ------------------------------------------------------------------------------


def table(kinds: dict[str, dict[str, float]]) -> list[str]:
    rows = ["| request kind | count | failures | req/s | p50 ms | p95 ms | p99 ms | max ms |",
            "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for name, k in sorted(kinds.items(), key=lambda item: (item[0] == "all", item[0])):
        rows.append(
            f"| {name} | {k['count']} | {k['failures']} | {k['rps']:.2f} | "
            f"{k['p50']:.0f} | {k['p95']:.0f} | {k['p99']:.0f} | {k['max']:.0f} |"
        )
    return rows


def markdown(f: dict[str, Any]) -> str:
    d, mixed, after = f["deployment"], f["mixed"], f["mixed"]["after"]
    lines = [
        f"Deployment on loopback: {d['database']}; {d['queue']}; {d['media']}; {d['app']}; "
        f"{d['workers']} workers (faster-whisper, bundled base, CPU). Each simulated person is "
        f"a real account logged in with a real second factor; think time "
        f"{d['think_seconds'][0]:g}-{d['think_seconds'][1]:g} s between actions.",
        "",
        f"**Mixed run**: {mixed['users']} people for {mixed['seconds']} s (caseworkers "
        "uploading ~8 s of Danish speech and following it; supervisors reading pages, playing "
        "with range requests, adding feedback; a team session of three on the live channel).",
        "",
        *table(mixed["kinds"]),
        "",
        f"Errors: {sum(k['failures'] for n, k in mixed['kinds'].items() if n != 'all')}"
        + (f" ({'; '.join(mixed['failures'])})" if mixed["failures"] else "")
        + f". Afterwards the queue drained in {after['drain_seconds']:.0f} s; uploads accepted "
        f"{after['uploads_accepted']}, recordings {after['recordings']}, ready "
        f"{after['ready']}, with a transcript {after['transcribed']}, jobs failed "
        f"{after['jobs_failed']}; feedback items accepted {after['feedback_accepted']}, found "
        f"in the database {after.get('feedback_found', after['feedback_stored'])} "
        f"({after['feedback_stored']} rows in all).",
    ]
    if f.get("capacity"):
        lines += ["", "**Capacity** (workers stopped; app pinned to core 0, Locust to core 1; "
                  "no uploads): page p95 per number of simultaneous users.", "",
                  "| users | req/s | page p95 ms | all p95 ms | failures |",
                  "|---|---|---|---|---|"]  # fmt: skip
        for c in f["capacity"]:
            a = c["kinds"]["all"]
            lines.append(f"| {c['users']} | {a['rps']:.1f} | {c['page_p95']:.0f} | "
                         f"{a['p95']:.0f} | {a['failures']} |")  # fmt: skip
        lines += ["", f"One core of app server carries **{f['capacity_users']} simultaneous "
                  f"users** at page p95 under {PAGE_P95_TARGET_MS:.0f} ms."]  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    main()
