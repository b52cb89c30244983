"""Watching together: how closely 30 followers track the presenter on the live channel.

Starts the app under uvicorn (`tests/support/servers.start_server`, a fresh data folder, embedded
SQLite and the in-memory live hub), uploads a 2-minute test video through the API and makes
it ready as the tests do (`tests/support/factories.make_ready`), shares it with 30 colleagues and
plans a team session for all 31 (the caseworker presents). Then these runs:

    simulated: Node (bench/live_sync_followers.js) opens the presenter's and 30 followers'
               WebSockets; each follower runs the page's own correction code
               (app/static/livesync.js) on a simulated player with its own clock offset,
               network delay, seek and start latency, media clock skew, some with a
               buffering stall; the presenter plays, seeks three times, pauses, plays on,
               changes the speed and pauses. Every follower's position every 50 ms.
    chromium:  3 headless Chromium pages on the session page (presenter + 2 followers): the
               presenter's own player is driven (play, two seeks, pause); every page records
               the frames it shows (requestVideoFrameCallback's mediaTime, else currentTime).
    simulated, Redis: the simulated run again with the server's live hub on Redis
               (`--redis`, default redis://127.0.0.1:6379/9; skipped if it does not answer).

For each play/seek: the followers' distance from the presenter once settled (from 1.5 s
after the announced start until the next command; median and max, ms; targets <= 100 and
<= 250), the time from the command until a follower stays within 100 ms, and on pause how
far each player stops from the presenter's position (target: the same frame). Also the
server process's CPU time and RSS (/proc/<pid>) while the room runs.
Prints a summary and stores it (bench/results/live_sync.json, bench/RESULTS.md).

    .venv/bin/python bench/live_sync_bench.py [--followers 30] [--pages 3] [--redis URL]
        [--skip-chromium] [--quick]
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import BENCH, ROOT, command_line, ffmpeg, log, measure, parse, results, server
from harness.measure import median, median_max

LIVESYNC = ROOT / "app" / "static" / "livesync.js"
FOLLOWERS_JS = BENCH / "live_sync_followers.js"
NODE = shutil.which("node") or "/usr/bin/node"
PASSWORD = "correct horse battery staple"
MEDIA_SECONDS = 120
SETTLE_MS = 1500.0  # the window after an announced start that is not yet "settled"
NEAR_MS = 100.0  # "settled": from then on within this of the presenter
TARGET_MEDIAN_MS, TARGET_MAX_MS = 100.0, 250.0
PLAY_LEAD_MS = 300.0  # app/live/protocol.py: a play starts this far ahead

# The presenter's script in the simulated run (seconds after every follower has synced).
SCRIPT = [
    {"at": 0.5, "type": "play", "position": 5.0},
    {"at": 10.5, "type": "seek", "position": 40.0},
    {"at": 16.5, "type": "seek", "position": 20.0},
    {"at": 22.5, "type": "seek", "position": 75.0},
    {"at": 28.5, "type": "pause"},
    {"at": 31.0, "type": "play"},
    {"at": 36.0, "type": "rate", "rate": 1.25},
    {"at": 41.0, "type": "pause"},
]
SCRIPT_END = 43.0
# Followers with a buffering stall (ms) after the first seek: which ones and how long.
STALLS = {3: 300, 11: 800, 19: 1500}


# Set-up ----------------------------------------------------------------------------------


@dataclass
class Room:
    base: str
    session_id: int
    presenter: str  # login tokens (the vs_session cookie)
    followers: list[str]


def make_media(folder: Path, seconds: int) -> Path:
    """A test picture at 25 frames/s (a frame every 40 ms) with a tone, as VP8/Opus WebM."""
    path = folder / "live.webm"
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=320x240:rate=25:duration={seconds}",
           "-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=48000:duration={seconds}",
           "-map", "0:v", "-map", "1:a", "-shortest",
           "-c:v", "libvpx", "-b:v", "200k", "-deadline", "realtime", "-cpu-used", "8",
           "-g", "25", "-c:a", "libopus", path)  # fmt: skip
    return path


def make_people(n: int) -> tuple[list[int], list[str]]:
    """The caseworker and n colleagues (ids), and a login token for each (the caseworker's
    first), made with the accounts service as a login does."""
    from app.accounts import service as accounts
    from app.accounts.models import Role
    from app.cli import main as cli
    from app.core.db import session_scope

    cli(["migrate"])
    ids, tokens = [], []
    with session_scope() as session:
        for k in range(n + 1):
            user = accounts.create_user(
                session=session,
                email="bench-cw@kommune.test" if k == 0 else f"bench-f{k:02d}@kommune.test",
                name="Sara Sagsbehandler" if k == 0 else f"Kollega {k:02d}",
                role=Role.caseworker,
                password=PASSWORD if k == 0 else None,
            )
            session.flush()
            ids.append(int(user.id))  # type: ignore[arg-type]
            tokens.append(accounts.start_session(session=session, user=user))
    return ids, tokens


def plan_room(base: str, ids: list[int], tokens: list[str], media: Path) -> Room:
    """Upload, make ready, share with everyone, plan the team session (through the API)."""
    import httpx

    from tests.support.factories import make_ready
    from tests.support.sessions import later, plan

    with httpx.Client(base_url=base, timeout=120) as owner:
        server.login(owner, "bench-cw@kommune.test", PASSWORD)
        done = server.upload(owner, media, title="Samtale (live)", case_reference="BENCH-LIVE")
        assert done.status_code == 201, done.text
        rid = str(done.json()["id"])
        make_ready(rid)
        for uid in ids[1:]:
            shared = owner.post(f"/api/v1/recordings/{rid}/shares", json={"user_id": uid})
            assert shared.status_code == 201, shared.text
        planned = plan(owner, rid, ids[1:], kind="team", starts_at=later(1),
                       question="Hvordan åbner jeg samtalen?")  # fmt: skip
    return Room(base, int(planned["id"]), tokens[0], tokens[1:])


# Analysis ----------------------------------------------------------------------------------


def position_at(state: dict[str, Any], now_ms: float) -> float:
    if not state["playing"] or now_ms <= state["at"]:
        return float(state["position"])
    return float(state["position"] + (now_ms - state["at"]) / 1000.0 * state["rate"])


@dataclass
class Phase:
    label: str
    start: float  # when the command took effect (ms, the shared clock)
    end: float  # the next command
    playing: bool
    at: float  # the announced start (playing) or the command time
    position: float | None = None  # where a pause stops
    errors: list[float] = field(default_factory=list)  # |ms| in the settled window
    settle: list[float | None] = field(default_factory=list)  # ms after the command
    pause_off: list[float] = field(default_factory=list)  # |ms| on pause


def analyse(phases: list[Phase], samples: list[list[list[float]]], truth: Any) -> None:
    """Fill each phase from every follower's samples [(t ms, position s, playing)]:
    `truth(t)` is where the presenter is at t, or None where it is not known."""
    for phase in phases:
        for rows in samples:
            inside = [r for r in rows if phase.start <= r[0] < phase.end]
            if not inside:
                continue
            if not phase.playing:
                assert phase.position is not None
                phase.pause_off.append(abs(inside[-1][1] - phase.position) * 1000)
                continue
            errs = []
            for t, pos, _ in inside:
                expected = truth(t)
                errs.append(None if expected is None else abs(pos - expected) * 1000)
            since = phase.at + SETTLE_MS
            pairs = list(zip([r[0] for r in inside], errs, strict=True))
            phase.errors += [e for t, e in pairs if e is not None and t >= since]
            # Settled at the first sample from which every later one is within NEAR_MS; a
            # single stray sample (a late or dropped frame) is smoothed away by a median of 3.
            known = [(t, e) for t, e in pairs if e is not None]
            smooth = [
                (t, median(e for _, e in known[max(0, k - 1) : k + 2]))
                for k, (t, _) in enumerate(known)
            ]
            settled = None
            for t, e in reversed(smooth):
                if e > NEAR_MS:
                    break
                settled = t
            phase.settle.append(None if settled is None else round(settled - phase.start, 0))


def phase_rows(phases: list[Phase]) -> list[dict[str, Any]]:
    rows = []
    for p in phases:
        if p.playing:
            settle = [s for s in p.settle if s is not None]
            rows.append({
                "phase": p.label, "distance_ms": median_max(p.errors),
                "settle_ms": {"median": median(settle) if settle else None,
                              "max": max(settle) if settle else None,
                              "unsettled": sum(s is None for s in p.settle)},
            })  # fmt: skip
        else:
            rows.append({"phase": p.label, "pause_off_ms": median_max(p.pause_off)})
    return rows


# The simulated run -------------------------------------------------------------------------


def simulated(room: Room, pid: int, n: int, folder: Path) -> dict[str, Any]:
    import random

    rng = random.Random(2026)
    spec = {
        "url": "ws" + room.base.removeprefix("http") + f"/api/v1/sessions/{room.session_id}/live",
        "origin": room.base,
        "seed": 99,
        "presenter": {"cookie": f"vs_session={room.presenter}"},
        "followers": [
            {
                "cookie": f"vs_session={token}",
                "clock_error": rng.uniform(-5000, 5000),
                "skew": rng.uniform(-0.0025, 0.0025),
                "stall_ms": STALLS.get(k, 0),
                "delay": {"up": rng.uniform(2, 40), "down": rng.uniform(2, 40), "jitter": 8},
            }
            for k, token in enumerate(room.followers[:n])
        ],
        "script": SCRIPT,
        "end": SCRIPT_END,
    }
    spec_path = folder / "followers.json"
    spec_path.write_text(json.dumps(spec))

    def run() -> dict[str, Any]:
        done = subprocess.run(
            [NODE, "--experimental-websocket", "--no-warnings", str(FOLLOWERS_JS),
             str(LIVESYNC), str(spec_path)],
            capture_output=True, text=True, timeout=SCRIPT_END + 90,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"node failed:\n{done.stderr[-3000:]}")
        return dict(json.loads(done.stdout))

    out, spent = measure.watch(pid, run)
    assert not out["refused"], out["refused"]
    # The presenter's states (commands only), in order: the truth every follower aims at.
    states = sorted(
        {s["state"]["version"]: s for s in out["states"]}.values(), key=lambda s: s["server_time"]
    )
    commands = [s for s in states if s["by"] is not None]  # not someone's arrival
    times = [s["server_time"] for s in commands]

    def truth(t: float) -> float | None:
        k = bisect_right(times, t) - 1
        return None if k < 0 else position_at(commands[k]["state"], t)

    def phases_for(samples: list[list[list[float]]]) -> list[Phase]:
        phases = []
        labels = iter(f"{step['type']} {step.get('position', step.get('rate', ''))}".strip()
                      for step in SCRIPT)  # fmt: skip
        for k, s in enumerate(commands):
            st = s["state"]
            end = times[k + 1] if k + 1 < len(times) else out["started"] + SCRIPT_END * 1000
            phases.append(
                Phase(next(labels, "?"), s["server_time"], end, st["playing"],
                      st["at"] if st["playing"] else s["server_time"],
                      None if st["playing"] else st["position"])
            )  # fmt: skip
        analyse(phases, samples, truth)
        return phases

    phases = phases_for([f["samples"] for f in out["followers"]])
    # The same without the followers whose video buffers (their settling is reported apart).
    steady = phases_for([f["samples"] for k, f in enumerate(out["followers"]) if k not in STALLS])
    followers = out["followers"]
    stalled = {k: followers[k] for k in STALLS if k < len(followers)}
    first_seek = next((p for p in phases if p.label.startswith("seek")), None)
    return {
        "followers": len(followers),
        "phases": phase_rows(phases),
        "in_play": median_max([e for p in phases for e in p.errors]),
        "in_play_without_buffering": median_max([e for p in steady for e in p.errors]),
        "settle_ms": median_max([s for p in phases for s in p.settle if s is not None]),
        "unsettled": sum(s is None for p in phases for s in p.settle),
        "pause_off_ms": median_max([e for p in phases for e in p.pause_off]),
        "clock_offset_error_ms": median_max([abs(f["offset_error_ms"]) for f in followers]),
        "stalled_settle_ms": {
            f"{stall} ms stall": first_seek.settle[k] if first_seek else None
            for k, stall in STALLS.items()
            if k in stalled
        },  # fmt: skip
        "server": spent,
    }


# The Chromium run --------------------------------------------------------------------------

# Every page records what its player shows: each presented frame's media time and when it
# is shown (requestVideoFrameCallback), and currentTime every 50 ms (the fallback).
RECORDER = """
window.__frames = []; window.__times = [];
document.addEventListener('DOMContentLoaded', () => {
  const v = document.getElementById('player'); if (!v) return;
  v.muted = true;
  if ('requestVideoFrameCallback' in v) {
    const f = (now, m) => { window.__frames.push([performance.timeOrigin + m.expectedDisplayTime,
      m.mediaTime, v.paused ? 0 : 1]); v.requestVideoFrameCallback(f); };
    v.requestVideoFrameCallback(f);
  }
  setInterval(() => window.__times.push([Date.now(), v.currentTime, v.paused ? 0 : 1]), 50);
});
"""
SETTLED = """() => { const v = document.getElementById('player');
  return v.paused && !v.seeking && v.readyState >= 2; }"""


def chromium(room: Room, pid: int, pages: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    def run() -> dict[str, Any]:
        with sync_playwright() as pw:
            browser = server.chromium(pw, "--autoplay-policy=no-user-gesture-required")
            try:
                return drive(browser, room, pages)
            finally:
                browser.close()

    out, spent = measure.watch(pid, run)
    out["server"] = spent
    return out


def drive(browser: Any, room: Room, pages: int) -> dict[str, Any]:
    url = f"{room.base}/sessions/{room.session_id}"
    tabs: list[Any] = []
    for token in [room.presenter, *room.followers[: pages - 1]]:
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="da-DK")
        context.add_cookies([{"name": "vs_session", "value": token, "url": room.base}])
        context.add_init_script(RECORDER)
        tab = context.new_page()
        tab.set_default_timeout(20_000)
        tab.goto(url)
        tab.wait_for_function("() => document.getElementById('player').readyState >= 1")
        if not tabs:  # the first one in presents
            tab.wait_for_function(
                "() => document.getElementById('live').classList.contains('presenting')"
            )
        tabs.append(tab)
    presenter = tabs[0]
    presenter.wait_for_function(
        f"() => document.querySelectorAll('#live-present li').length === {pages}"
    )
    rvfc = bool(presenter.evaluate("'requestVideoFrameCallback' in HTMLVideoElement.prototype"))

    def command(js: str) -> float:
        """Do `js` to the presenter's player (v); when (ms, the shared clock)."""
        body = f"const v = document.getElementById('player'); {js}; return Date.now();"
        return float(presenter.evaluate(f"() => {{ {body} }}"))

    command("v.currentTime = 5")  # a seek while paused: everyone stands at 5 s
    for tab in tabs:
        tab.wait_for_function(
            "t => { const v = document.getElementById('player');"
            " return !v.seeking && Math.abs(v.currentTime - t) < 0.001; }",
            arg=5,
        )
    marks = [("play 5", command("v.play()"))]
    time.sleep(7)
    marks.append(("seek 40", command("v.currentTime = 40")))
    time.sleep(6)
    marks.append(("seek 20", command("v.currentTime = 20")))
    time.sleep(6)
    marks.append(("pause", command("v.pause()")))
    for tab in tabs:
        tab.wait_for_function(SETTLED)
    time.sleep(0.5)  # the frame shown after the last seek
    end = time.time() * 1000
    where = [float(t.evaluate("document.getElementById('player').currentTime")) for t in tabs]
    key = "__frames" if rvfc else "__times"
    series = [t.evaluate(f"window.{key}") for t in tabs]
    if rvfc and any(len(s) < 20 for s in series):  # frames not reported: read currentTime
        rvfc, key = False, "__times"
        series = [t.evaluate("window.__times") for t in tabs]
    for tab in tabs:
        tab.context.close()

    lead = series[0]
    lead_t = [r[0] for r in lead]

    def truth(t: float) -> float | None:
        """The presenter's shown position at t: its last frame moved on by the time since."""
        k = bisect_right(lead_t, t) - 1
        if k < 0 or not lead[k][2] or t - lead[k][0] > 100:
            return None
        return float(lead[k][1] + (t - lead[k][0]) / 1000)

    # On pause: the frame each page shows, against the one the presenter shows.
    shown = [s[-1][1] for s in series]
    phases = []
    for k, (label, t) in enumerate(marks):
        nxt = marks[k + 1][1] if k + 1 < len(marks) else end
        playing = label != "pause"
        phases.append(Phase(label, t, nxt, playing, t + PLAY_LEAD_MS if playing else t,
                            None if playing else shown[0]))  # fmt: skip
    analyse(phases, series[1:], truth)
    return {
        "pages": pages,
        "measured_with": "requestVideoFrameCallback mediaTime" if rvfc else "currentTime",
        "phases": phase_rows(phases),
        "in_play": median_max([e for p in phases for e in p.errors]),
        "settle_ms": median_max([s for p in phases for s in p.settle if s is not None]),
        "unsettled": sum(s is None for p in phases for s in p.settle),
        "pause_current_time": where,
        "pause_off_ms": median_max([e for p in phases for e in p.pause_off]),
        "pause_current_time_off_ms": median_max([abs(w - where[0]) * 1000 for w in where[1:]]),
        "pause_shown": shown,
    }


# Report ------------------------------------------------------------------------------------


def fmt(s: dict[str, Any], unit: str = "ms") -> str:
    if s.get("median") is None:
        return "-"
    return f"{s['median']:g} / {s['max']:g} {unit}"


def verdict(s: dict[str, Any]) -> str:
    if s.get("median") is None:
        return "no data"
    ok = s["median"] <= TARGET_MEDIAN_MS and s["max"] <= TARGET_MAX_MS
    return "met" if ok else "NOT met"


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "Followers' distance from the presenter once settled (from 1.5 s after each announced "
        f"start to the next command; targets median <= {TARGET_MEDIAN_MS:g} ms, max <= "
        f"{TARGET_MAX_MS:g} ms), the time from a command until a follower stays within "
        f"{NEAR_MS:g} ms, and how far each player stops from the presenter's position on "
        "pause (median / max).",
        "",
        "| run | followers | distance in play | target | settle after play/seek | off on pause "
        "| server CPU | server RSS |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in result["runs"].items():
        s = r["server"]
        lines.append(
            f"| {name} | {r.get('followers', r.get('pages', 1) - 1)} | {fmt(r['in_play'])} | "
            f"{verdict(r['in_play'])} | {fmt(r['settle_ms'])}"
            f"{' (' + str(r['unsettled']) + ' never)' if r['unsettled'] else ''} | "
            f"{fmt(r['pause_off_ms'])} | {s['cpu_s']} s in {s['wall_s']} s "
            f"({s['cpu_share_of_one_core']:.0%} of a core) | {s['rss_before_mb']:g} -> "
            f"{s['rss_peak_mb']:g} MB peak |"
        )
    for name, r in result["runs"].items():
        head = "| command | distance once settled | settle | off on pause |"
        lines += ["", f"{name}, per command:", "", head, "|---|---|---|---|"]
        for row in r["phases"]:
            if "distance_ms" in row:
                st = row["settle_ms"]
                settle = "-" if st["median"] is None else f"{st['median']:g} / {st['max']:g} ms"
                if st["unsettled"]:
                    settle += f" ({st['unsettled']} never)"
                lines.append(f"| {row['phase']} | {fmt(row['distance_ms'])} | {settle} | |")
            else:
                lines.append(f"| {row['phase']} | | | {fmt(row['pause_off_ms'])} |")
    for name, r in result["runs"].items():
        if "in_play_without_buffering" in r:
            quiet = r["in_play_without_buffering"]
            lines += ["", f"{name}: distance in play without the {len(STALLS)} followers whose "
                      f"video buffers after the first seek: {fmt(quiet)} "
                      f"({verdict(quiet)})."]  # fmt: skip
    sim = result["runs"].get("simulated")
    if sim:
        lines += [
            "",
            f"Simulated: clock offset estimate off by {fmt(sim['clock_offset_error_ms'])} "
            f"(clocks set up to 5 s wrong, 2-40 ms delay each way); followers with a buffering "
            f"stall after the first seek settled after: "
            + ", ".join(f"{k}: {'never' if v is None else v} ms"
                        for k, v in sim["stalled_settle_ms"].items())
            + ".",
        ]  # fmt: skip
    page = result["runs"].get("chromium")
    if page:
        lines += ["", f"Chromium: measured with {page['measured_with']}; on pause (off on "
                  f"pause: the shown frame's media time against the presenter's) the pages' "
                  f"currentTime {page['pause_current_time']} (off by "
                  f"{fmt(page['pause_current_time_off_ms'])}), "
                  f"shown {page['pause_shown']}."]  # fmt: skip
    return "\n".join(lines)


def redis_answers(url: str) -> bool:
    import redis

    try:
        with redis.Redis.from_url(url, socket_timeout=2) as client:
            return bool(client.ping())
    except redis.RedisError as exc:
        log(f"no Redis run: {url} does not answer ({exc})")
        return False


def main() -> None:
    parser = command_line(__doc__)
    parser.add_argument("--followers", type=int, default=30)
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/9",
        help="a second simulated run with the live hub on this Redis ('' skips it)",
    )
    parser.add_argument("--skip-chromium", action="store_true")
    args = parse(parser, followers=6, pages=2)
    started = time.monotonic()
    runs: dict[str, Any] = {}
    with server.data_folder("live", server.TMP, args.keep) as folder:
        env = server.use_in_process(folder)  # settings are read when the app is first imported
        log("media, accounts, server")
        media = make_media(folder, MEDIA_SECONDS)
        ids, tokens = make_people(args.followers)
        app = server.Server(env)
        try:
            room = plan_room(app.base, ids, tokens, media)
            log(f"session {room.session_id}: {args.followers} followers on the live channel")
            runs["simulated"] = simulated(room, app.pid, args.followers, folder)
            log(f"simulated: in play {fmt(runs['simulated']['in_play'])}")
            if not args.skip_chromium:
                log(f"{args.pages} Chromium pages")
                runs["chromium"] = chromium(room, app.pid, args.pages)
                log(f"chromium: in play {fmt(runs['chromium']['in_play'])}")
            if args.redis and redis_answers(args.redis):
                app.stop()
                app = server.Server(server.app_env(folder, SPARRING_QUEUE_URL=args.redis))
                room.base = app.base
                log("simulated again, the hub on Redis")
                runs["simulated, Redis"] = simulated(room, app.pid, args.followers, folder)
        finally:
            app.stop()
    result = {
        "runs": runs,
        "targets_ms": {"median": TARGET_MEDIAN_MS, "max": TARGET_MAX_MS},
        "seconds": round(time.monotonic() - started, 1),
    }
    results.report(args, "live_sync", result, markdown(result))


if __name__ == "__main__":
    main()
