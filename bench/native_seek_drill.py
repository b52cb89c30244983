"""The presenter's seek bar: clicks on Chromium's native seek bar while the room plays.

Runs tests/test_live_seek_browser.py's seek-bar test (a presenter and a follower in headless
Chromium on one session page each; the presenter clicks the player's own seek bar, mouse
events on the native control, while playing) `--runs` times with `--seeks` clicks each,
one pytest process per run. A click is lost when either player is not playing on from
where the click sent the presenter's player within 5 s. Target: 0 lost in every run.
Stores the counts (bench/results/native_seek_drill.json, bench/RESULTS.md).

    .venv/bin/python bench/native_seek_drill.py [--runs 3] [--seeks 100]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import ROOT, command_line, log, parse, results

TEST = "tests/test_live_seek_browser.py::test_every_click_on_the_native_seek_bar_reaches_the_room"


def one_run(seeks: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        env = {
            **os.environ,
            "SPARRING_NATIVE_SEEKS": str(seeks),
            "SPARRING_NATIVE_SEEK_REPORT": str(report),
        }
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:randomly", TEST],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        took = time.monotonic() - started
        if not report.exists():  # failed before the clicks were counted
            raise SystemExit(f"the run failed before its report:\n{done.stdout[-3000:]}")
        counted = json.loads(report.read_text())
    load = os.getloadavg()[0]
    return {"seeks": counted["seeks"], "lost": counted["lost"], "seconds": round(took, 1),
            "load": round(load, 2)}  # fmt: skip


def main() -> None:
    parser = command_line(__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seeks", type=int, default=100)
    args = parse(parser, runs=1, seeks=20)
    runs = []
    for n in range(args.runs):
        log(f"run {n + 1} of {args.runs}: {args.seeks} clicks on the seek bar")
        runs.append(one_run(args.seeks))
        log(f"  lost {len(runs[-1]['lost'])}")  # type: ignore[arg-type]
    lines = [
        "| run | clicks on the seek bar | lost | seconds | load average |",
        "|---|---|---|---|---|",
    ]
    for n, run in enumerate(runs, 1):
        lost = run["lost"]
        lines.append(
            f"| {n} | {run['seeks']} | {len(lost)} | {run['seconds']} | {run['load']} |"  # type: ignore[arg-type]
        )
    total = sum(len(r["lost"]) for r in runs)  # type: ignore[arg-type]
    lines.append(f"\nLost in all: {total} of {sum(int(r['seeks']) for r in runs)}.")  # type: ignore[call-overload]
    results.report(args, "native_seek_drill", {"runs": runs}, "\n".join(lines))


if __name__ == "__main__":
    main()
