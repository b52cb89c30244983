"""Feedback at scale: the recording page, the API list and the timeline with 2,000 items.

One recording of `--minutes` (30) with `--items` (1,400) feedback items and `--replies`
(600) replies spread over their threads (mixed kinds, 1-3 criteria each, a fifth of the
items the caseworker's self-reflection, `--drafts` (20) of them the reader's own drafts),
written straight into the database with the app's models, on SQLite and on PostgreSQL (a
throwaway database on 127.0.0.1:5432, migrated like the tests do). For each database it
starts the app under uvicorn (`tests/support/servers.start_server`), logs in as the supervisor the
recording is shared with, and measures, warm:

    page:     GET /recordings/{id}, the first response (`--repeats` 100 after 10 warm-up)
    api:      GET /api/v1/recordings/{id}/feedback, its first page (the API's default
              of 200 threads; `count` and `drafts` are of them all) (the same)
    api_all:  every page of it in turn (10 walks after 2; for information; no target)
    rest:     GET /recordings/{id}/feedback/threads?offset=30&limit=200, the next page
              after its first screen (for information; no target)
    timeline: headless Chromium: from navigation start to every marker in #marker-list
              (`--loads` 10 after 2 warm-up; performance.now() in the page)

then times the page and the API list in this process (ASGI, one thread) under cProfile, to
show where the time goes.
Prints a table and stores it (bench/results/feedback_bench.json, bench/RESULTS.md).

    .venv/bin/python bench/feedback_bench.py [--repeats 100] [--loads 10] [--only sqlite]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import shutil
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from harness import command_line, ffmpeg, log, parse, results, server
from harness.measure import median, nearest_rank

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "correct horse battery staple"
USERS = {"caseworker": ("bench-cw@kommune.test", "Sara Sagsbehandler"),
         "supervisor": ("bench-sv@kommune.test", "Søren Supervisor")}  # fmt: skip
TARGETS_MS = {"page": 200.0, "api": 100.0}
API_PAGE = 200  # the API list's default page (app.feedback.reading.PAGE)
# What the profile shows: (label, file, function) of the functions where the time goes.
PROFILED = [
    ("Reading.__init__ (queries)", "reading.py", "__init__"),
    ("Reading.threads (FeedbackPublic objects)", "reading.py", "threads"),
    ("feedback view.build", "view.py", "build"),
    ("feedback view.marker", "view.py", "marker"),
    ("Jinja template render", "environment.py", "render"),
    ("tojson filter (#markers)", "utils.py", "htmlsafe_json_dumps"),
    ("response validation + JSON", "routing.py", "serialize_response"),
    ("audit_viewing", "service.py", "audit_viewing"),
    ("transcript segments", "service.py", "segments"),
]
PHRASES = (
    "the child looked at the mother before answering and you waited calmly which gave room "
    "for a longer answer here you could name what you saw and ask how the boy felt when his "
    "father came home good open question that invites a story"
)
WORDS = PHRASES.split()


# Data ------------------------------------------------------------------------------------


def migrate(url: str) -> None:
    """The real migrations, in this process, and the two people of the benchmark."""
    from app.accounts import service as accounts
    from app.accounts.models import Role
    from app.cli import main as cli
    from app.core.config import settings
    from app.core.db import session_scope

    settings.database_url = url
    cli(["migrate"])
    with session_scope() as session:
        for role, (email, name) in USERS.items():
            accounts.create_user(
                session=session, email=email, name=name, role=Role(role), password=PASSWORD
            )


def make_recording(args: argparse.Namespace, media: Path) -> str:
    """A ready recording of the caseworker shared with the supervisor, its transcript and
    its feedback, inserted with the models (the upload and the worker are not measured)."""
    from sqlmodel import select

    from app.access.models import Share
    from app.accounts.models import User
    from app.core.db import session_scope
    from app.core.timeutil import local_today, utcnow
    from app.criteria import service as criteria
    from app.feedback.models import Feedback, FeedbackCriterion, FeedbackKind
    from app.media import objects as media_objects
    from app.media import store as media_store
    from app.media.models import Variant
    from app.media.store import object_key
    from app.recordings import storage
    from app.recordings.models import Consent, ConsentGiver, Recording, RecordingStatus
    from app.transcripts.models import Segment, Transcript

    rng = random.Random(9)
    seconds = args.minutes * 60.0
    with session_scope() as s:
        cw, sv = (s.exec(select(User).where(User.email == USERS[k][0])).one() for k in USERS)
        rec = Recording(
            title="Feedback at scale", case_reference="BENCH-FB", language="da",
            owner_id=cw.id, delete_after=local_today() + timedelta(days=90),  # type: ignore[arg-type]
            original_filename="bench.mp4", stored_name=storage.ORIGINAL,
            size_bytes=media.stat().st_size, sha256=uuid.uuid4().hex * 2,
            duration_seconds=seconds, container="mov,mp4,m4a,3gp,3g2,mj2", has_video=True,
            video_codec="h264", width=160, height=120, status=RecordingStatus.ready,
            progress=1.0, playable_name=storage.ORIGINAL, playable_mime="video/mp4",
        )  # fmt: skip
        s.add(rec)
        s.flush()
        s.add(
            Consent(
                recording_id=rec.id,
                child_consented=True,
                custody_holders_consented=True,
                given_by=ConsentGiver.child_and_custody,
                consented_on=local_today(),
                for_individual=True,
                for_team=True,
                for_teaching=False,
                recorded_by_id=cw.id,
            )
        )  # type: ignore[arg-type]
        s.add(Share(recording_id=rec.id, user_id=sv.id, shared_by_id=cw.id))  # type: ignore[arg-type]
        transcript = Transcript(recording_id=rec.id, language="da", model_name="bench")
        s.add(transcript)
        s.flush()
        s.add_all(
            Segment(transcript_id=transcript.id, position=i, start=i * 6.0, end=i * 6.0 + 5.5,  # type: ignore[arg-type]
                    machine_text=" ".join(rng.choices(WORDS, k=rng.randint(6, 24))))
            for i in range(int(seconds // 6))
        )  # fmt: skip
        active = [(c, v) for c, v in criteria.catalogue(session=s) if c.retired_at is None]
        start = utcnow() - timedelta(days=3)

        def text() -> str:
            return " ".join(rng.choices(WORDS, k=rng.randint(5, 60))).capitalize() + "."

        drafts = set(rng.sample(range(args.items), args.drafts))
        items = []
        for i in range(args.items):
            at = rng.uniform(0, seconds - 40)
            own = rng.random() < 0.2 and i not in drafts  # the caseworker's self-reflection
            item = Feedback(
                recording_id=rec.id, author_id=(cw if own else sv).id,
                kind=rng.choice(list(FeedbackKind)), start_seconds=round(at, 3),
                end_seconds=round(at + rng.uniform(3, 40), 3) if rng.random() < 0.3 else None,
                text=text(), draft=i in drafts, created_at=start + timedelta(seconds=i),
                published_at=None if i in drafts else start + timedelta(seconds=i),
            )  # fmt: skip
            items.append(item)
        s.add_all(items)
        s.flush()
        s.add_all(
            FeedbackCriterion(feedback_id=item.id, criterion_id=c.id, criterion_version_id=v.id)  # type: ignore[arg-type]
            for item in items
            for c, v in rng.sample(active, rng.randint(1, 3))
        )
        # Replies on published items, some threads long: a few get many, most none.
        published = [item for item in items if not item.draft]
        busy = rng.sample(published, len(published) // 4)
        s.add_all(
            Feedback(
                recording_id=rec.id,
                author_id=rng.choice((cw, sv)).id,
                parent_id=parent.id,
                text=text(),
                created_at=start + timedelta(hours=1, seconds=n),
                published_at=start + timedelta(hours=1, seconds=n),
            )  # fmt: skip
            for n, parent in enumerate(
                rng.choices(busy, weights=[1 / (k + 1) for k in range(len(busy))], k=args.replies)
            )
        )
        recording_id = rec.id
    copy = media.with_name(f"{recording_id}.part")
    shutil.copyfile(media, copy)
    stored = media_store.current().keep(
        object_key(recording_id, storage.ORIGINAL), copy, content_type="video/mp4"
    )
    with session_scope() as s:
        media_objects.record(session=s, recording_id=recording_id, variant=Variant.original,
                             stored=stored, content_type="video/mp4")  # fmt: skip
    return recording_id


def make_media(folder: Path, seconds: float) -> Path:
    """A small real H.264 file of the recording's length, for the page's player."""
    path = folder / "bench.mp4"
    ffmpeg("-f", "lavfi", "-i", f"color=c=gray:s=160x120:r=1:d={seconds}", "-c:v", "libx264",
           "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart",
           path)  # fmt: skip
    return path


# Measuring -------------------------------------------------------------------------------


def http_times(client: httpx.Client, path: str, warm: int, reps: int, check: Any) -> list[float]:
    """Milliseconds from sending the request to the whole body, on a kept-alive connection."""
    out = []
    for n in range(warm + reps):
        t0 = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status_code} {response.text[:300]}")
        if n == 0:
            check(response)
        if n >= warm:
            out.append(elapsed)
    return out


# Installed before any page script: notes when the markers are all in #marker-list, when
# the next frame after that has run, and when the rest of the threads have arrived.
OBSERVER = """
window.__bench = {};
new MutationObserver(function (records, observer) {
  var b = window.__bench, list = document.getElementById('marker-list');
  if (!b.markers && list && list.childElementCount >= %d) {
    b.markers = performance.now();
    requestAnimationFrame(function () {
      setTimeout(function () { b.painted = performance.now(); });
    });
  }
  if (document.getElementById('more-threads')) b.more = true;
  else if (b.more && !b.rest) b.rest = performance.now();
  if (b.markers && b.rest) observer.disconnect();
}).observe(document, { childList: true, subtree: true });
"""


def timeline_times(base: str, client: httpx.Client, path: str, items: int, loads: int) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = server.chromium(pw)
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        context.add_cookies(
            [{"name": k, "value": v, "url": base} for k, v in client.cookies.items()]
        )
        context.add_init_script(OBSERVER % items)
        page = context.new_page()
        runs = []
        for n in range(2 + loads):
            page.goto(base + path, wait_until="domcontentloaded")
            page.wait_for_function(
                "() => window.__bench.painted && window.__bench.rest", timeout=60_000
            )
            drawn = page.eval_on_selector_all("#marker-list .marker", "els => els.length")
            if drawn != items:
                raise RuntimeError(f"{drawn} markers drawn, expected {items}")
            run = page.evaluate("""() => {
                const nav = performance.getEntriesByType('navigation')[0];
                return {first_byte: nav.responseStart, response_end: nav.responseEnd,
                        dom_ready: nav.domContentLoadedEventEnd, ...window.__bench};
            }""")  # fmt: skip
            if n >= 2:
                runs.append(run)
        browser.close()
    keys = ("first_byte", "response_end", "dom_ready", "markers", "painted", "rest")
    return {k: [round(r[k], 1) for r in runs] for k in keys}


def profile(url: str, recording_id: str, reps: int, folder: Path) -> dict[str, dict[str, float]]:
    """The page and the API list in this process under cProfile: milliseconds per request
    (cumulative, so nested rows overlap) in the functions that matter. The app runs in this
    thread (ASGI called directly, anyio's worker threads replaced by a plain call) so that
    the profiler sees all of it."""
    import asyncio

    import anyio.to_thread

    from app.core.config import settings
    from app.main import app

    async def inline(func, *args, **_):  # type: ignore[no-untyped-def]
        return func(*args)

    settings.database_url = url

    async def measure() -> dict[str, dict[str, float]]:
        out = {}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await client.get("/login")
            token = client.cookies.get("vs_csrf")
            email = USERS["supervisor"][0]
            form = {"email": email, "password": PASSWORD, "csrf_token": token}
            await client.post("/login", data=form)
            client.headers["X-CSRF-Token"] = client.cookies.get("vs_csrf") or ""
            for name, path in (("page", f"/recordings/{recording_id}"),
                               ("api", f"/api/v1/recordings/{recording_id}/feedback")):  # fmt: skip
                (await client.get(path)).raise_for_status()
                plain = []
                for _ in range(reps):
                    t0 = time.perf_counter()
                    await client.get(path)
                    plain.append((time.perf_counter() - t0) * 1000)
                prof = cProfile.Profile()
                prof.enable()
                for _ in range(reps):
                    await client.get(path)
                prof.disable()
                stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
                row = {
                    "in-process median, no profiler": round(median(plain), 1),
                    "profiled, all": round(sum(v[2] for v in stats.values()) / reps * 1000, 1),
                }
                for label, file, func in PROFILED:
                    cum = sum(
                        v[3] for (f, _, fn), v in stats.items() if f.endswith(file) and fn == func
                    )
                    if cum:
                        row[label] = round(cum / reps * 1000, 1)
                out[name] = row
                pstats.Stats(prof).sort_stats("tottime").dump_stats(str(folder / f"{name}.prof"))
        return out

    threaded = anyio.to_thread.run_sync
    anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    try:
        return asyncio.run(measure())
    finally:
        anyio.to_thread.run_sync = threaded


def run_database(kind: str, url: str, args: argparse.Namespace, media: Path) -> dict:
    log(f"{kind}: migrating and inserting {args.items} items + {args.replies} replies ...")
    migrate(url)
    t0 = time.perf_counter()
    recording_id = make_recording(args, media)
    log(f"{kind}: data in {time.perf_counter() - t0:.1f} s; starting uvicorn")
    folder = media.parent
    logfile = (folder / f"server-{kind}.log").open("wb")
    app = server.Server(server.app_env(folder, SPARRING_DATABASE_URL=url), output=logfile)
    try:
        client = app.login(USERS["supervisor"][0], PASSWORD)
        page_path = f"/recordings/{recording_id}"
        api_path = f"/api/v1/recordings/{recording_id}/feedback"

        def page_ok(r: httpx.Response) -> None:
            assert 'id="marker-list"' in r.text and r.text.count('"words":') == args.items

        def api_ok(r: httpx.Response) -> None:
            """The first page (the API's default of 200 threads); count and drafts of all."""
            body = r.json()
            shown = min(args.items, API_PAGE)
            assert (body["count"], body["drafts"], len(body["items"])) == (
                args.items,
                args.drafts,
                shown,
            )
            assert body["next_offset"] == (shown if shown < args.items else None)

        def walk_all() -> None:
            """Every page of the API list, in turn, as a client reading it all would."""
            offset, threads, replies = 0, 0, 0
            while offset is not None:
                r = client.get(api_path, params={"offset": offset, "limit": API_PAGE})
                body = r.json()
                threads += len(body["items"])
                replies += sum(len(t["replies"]) for t in body["items"])
                offset = body["next_offset"]
            assert (threads, replies) == (args.items, args.replies)

        res = {"recording_id": recording_id, "page_bytes": len(client.get(page_path).content)}
        for name, path, check in (
            ("page", page_path, page_ok),
            ("api", api_path, api_ok),
            ("rest", f"{page_path}/feedback/threads?offset=30&limit=200", lambda r: None),
        ):
            reps = args.repeats if name != "rest" else min(20, args.repeats)  # 4 MB each: fewer
            log(f"{kind}: {name} x {reps} ...")
            res[name] = http_times(client, path, 10, reps, check)
        res["api_bytes"] = len(client.get(api_path).content)
        log(f"{kind}: the whole API list, page by page, x 10 ...")
        walked = []
        for n in range(12):
            t0 = time.perf_counter()
            walk_all()
            if n >= 2:
                walked.append((time.perf_counter() - t0) * 1000)
        res["api_all"] = walked
        log(f"{kind}: timeline in Chromium x {args.loads} ...")
        res["timeline"] = timeline_times(app.base, client, page_path, args.items, args.loads)
        client.close()
    finally:
        app.stop()
        logfile.close()
    log(f"{kind}: profiling in-process ...")
    res["profile"] = profile(url, recording_id, 10, folder)
    return res


# Summary ---------------------------------------------------------------------------------


def summarise(runs: dict[str, dict], args: argparse.Namespace) -> tuple[dict, str]:
    rows, data = [], {"items": args.items, "replies": args.replies, "drafts": args.drafts,
                      "minutes": args.minutes, "reps": args.repeats,
                      "loads": args.loads}  # fmt: skip
    names = {"page": "page, first response: GET /recordings/{id}",
             "api": "API list, its first page (200 threads): GET /api/v1/recordings/{id}/feedback",
             "api_all": "the whole API list, all 7 pages in turn (information)",
             "rest": "next page of threads: GET …/feedback/threads?offset=30&limit=200",
             "markers": "timeline in Chromium: navigation start to all markers in #marker-list",
             "painted": "timeline in Chromium: … and the next frame run"}  # fmt: skip
    all_met = True
    for kind, res in runs.items():
        t = res["timeline"]
        for key in names:
            values = res[key] if key in res else t[key]
            p50, p95 = median(values), nearest_rank(values, 0.95)
            target = TARGETS_MS.get(key)
            met = None if target is None else p95 < target
            all_met = all_met and met is not False
            verdict = "-" if met is None else ("met" if met else "**NOT met**")
            rows.append(f"| {kind} | {names[key]} | {p50:.1f} | {p95:.1f} | "
                        f"{f'p95 < {target:.0f}' if target else '-'} | {verdict} |")  # fmt: skip
            data[f"{kind}_{key}_p50_ms"], data[f"{kind}_{key}_p95_ms"] = (
                round(p50, 1),
                round(p95, 1),
            )
            if met is not None:
                data[f"{kind}_{key}_met"] = met
        data[f"{kind}_timeline_ms"] = t
        data[f"{kind}_page_bytes"], data[f"{kind}_api_bytes"] = res["page_bytes"], res["api_bytes"]
        data[f"{kind}_profile"] = res["profile"]
    data["target_met"] = all_met
    data["load_average"] = os.getloadavg()
    first = next(iter(runs.values()))
    lines = [
        f"One recording of {args.minutes} minutes with {args.items} items and {args.replies} "
        f"replies ({args.items + args.replies} in all; kinds mixed, 1-3 criteria each, a fifth "
        f"the caseworker's, {args.drafts} drafts of the reader's own), read by the supervisor "
        "it is shared with. App under uvicorn (one process, `tests/support/servers.start_server`), "
        f"httpx on a kept-alive connection, warm: {args.repeats} requests after 10 (the rest "
        f"of the threads: {min(20, args.repeats)}); Chromium headless at 1366x768, "
        f"{args.loads} loads after 2, "
        "performance.now() in the page. Times in ms, nearest-rank p95.",
        "",
        "| database | measure | p50 | p95 | target | verdict |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        f"Page {first['page_bytes']:,} bytes, API list {first['api_bytes']:,} bytes (SQLite run).",
        "Timeline loads (ms after navigation start; "
        "first byte / DOM ready / markers / next frame / rest of the threads listed):",
    ]
    for kind, res in runs.items():
        t = res["timeline"]
        lines.append(
            f"- {kind}: "
            + "; ".join(
                f"{t['first_byte'][i]:.0f} / {t['dom_ready'][i]:.0f} / {t['markers'][i]:.0f} / "
                f"{t['painted'][i]:.0f} / {t['rest'][i]:.0f}"
                for i in range(len(t["markers"]))
            )
        )
    lines += [
        "",
        "Where the time goes (the app called in this process through ASGI, in one thread, "
        "10 requests under cProfile; ms per request, cumulative, so nested rows overlap; "
        "the profiler adds about half again):",
        "",
        "| database | request | " + " | ".join(["measure", "ms"]) + " |",
        "|---|---|---|---|",
    ]
    for kind, res in runs.items():
        for request, row in res["profile"].items():
            lines += [f"| {kind} | {request} | {k} | {v} |" for k, v in row.items()]
    lines += ["", f"Targets (page p95 < 200 ms, API p95 < 100 ms): "
              f"{'MET' if all_met else 'NOT MET'}. Load average at the end: "
              + ", ".join(f"{x:.2f}" for x in data["load_average"]) + "."]  # fmt: skip
    return data, "\n".join(lines)


def main() -> None:
    parser = command_line(__doc__, 100, "timed requests per measure", "--reps")
    parser.add_argument("--items", type=int, default=1400)
    parser.add_argument("--replies", type=int, default=600)
    parser.add_argument("--drafts", type=int, default=20, help="the reader's own drafts")
    parser.add_argument("--minutes", type=int, default=30, help="the recording's length")
    parser.add_argument("--loads", type=int, default=10, help="timed page loads in Chromium")
    parser.add_argument("--only", choices=("sqlite", "postgres"), help="one database only")
    args = parse(parser, repeats=10, items=200, replies=60, drafts=5, minutes=5, loads=2)
    pg_name = f"vs_bench_feedback_{uuid.uuid4().hex[:8]}"
    runs: dict[str, dict] = {}
    with server.data_folder("feedback", server.TMP, args.keep) as folder:
        server.use_in_process(folder)  # settings are read when the app is first imported
        try:
            media = make_media(folder, args.minutes * 60)
            if args.only != "postgres":
                url = f"sqlite:///{folder / 'videosparring.db'}"
                runs["SQLite"] = run_database("SQLite", url, args, media)
            if args.only != "sqlite":
                with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{pg_name}"')
                url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}"
                runs["PostgreSQL"] = run_database("PostgreSQL", url, args, media)
        finally:
            from app.core.db import get_engine

            for engine in get_engine.__globals__["_engines"].values():
                engine.dispose()
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    data, markdown = summarise(runs, args)
    results.report(args, "feedback_bench", data, markdown)


if __name__ == "__main__":
    main()
