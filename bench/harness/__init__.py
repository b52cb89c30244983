"""The harness every benchmark in bench/ runs on, so that each script says only what it measures.

- `harness` (here): the folders, `log`, `ffmpeg` and `sine_wav`, and the command line all
  the scripts share (`command_line` and `parse`: `--repeats N`, `--quick`, `--keep`,
  `--no-save`).
- `harness.measure`: the sides of a comparison in alternating order (A B, B A, ...), `Runs`
  (medians, ratios of medians measured side by side), p95, `Clock` (wall time next to CPU
  time and the load average), and a process's CPU time and memory from /proc.
- `harness.server`: a fresh data folder, migrated, with the demo accounts; the app server
  and its workers (started as the tests start them, `tests/support/servers.py`); logged-in clients
  (the CSRF token as a header); uploads with curl; headless Chromium.
- `harness.results`: the summary printed, stored in bench/results/<name>.json, and
  bench/RESULTS.md rebuilt from every stored result.

Nothing here imports the app: its settings are read from the environment when it is first
imported, so a script that runs it in its own process sets the data folder first
(`server.use_in_process`).
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1]
ROOT = BENCH.parent
WORK = BENCH / "work"  # big generated files, quick runs' results (git-ignored)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the app, its workers and tests/support/servers.py


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def stamp() -> str:
    return f"{datetime.datetime.now():%Y%m%d-%H%M%S}"


def ffmpeg(*args: str | Path) -> None:
    """ffmpeg without a terminal, overwriting its output; it prints errors only."""
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *map(str, args)], check=True)


def sine_wav(path: Path, seconds: float) -> None:
    """A valid WAV of a 440 Hz sine, 48 kHz stereo 16-bit: 192,000 bytes a second."""
    sine = "sine=frequency=440:sample_rate=48000"
    ffmpeg("-f", "lavfi", "-i", sine, "-ac", "2", "-t", f"{seconds:.6f}", "-c:a", "pcm_s16le", path)


# The command line ------------------------------------------------------------------------


def command_line(
    doc: str, repeats: int | None = None, what: str = "", *aliases: str
) -> argparse.ArgumentParser:
    """The options every script takes; a script adds its own before `parse`.

    `repeats`: the default of `--repeats N` (how many times each side runs, `what` says
    what one repeat is); `aliases` are the script's older names for it (`--pairs`, ...).
    """
    parser = argparse.ArgumentParser(
        description=doc.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    if repeats is not None:
        parser.add_argument("--repeats", *aliases, type=int, default=repeats, help=what)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a short smoke run (smaller inputs, fewer repeats; options given still count); "
        "its result goes to bench/work/quick/, never to bench/results/",
    )
    parser.add_argument("--keep", action="store_true", help="keep the data folder afterwards")
    parser.add_argument("--no-save", action="store_true", help="print the summary only")
    return parser


def parse(parser: argparse.ArgumentParser, **quick: object) -> argparse.Namespace:
    """The options; with --quick, `quick`'s values for those not given on the command line."""
    args = parser.parse_args()
    if args.quick:
        for key, value in quick.items():
            if getattr(args, key) == parser.get_default(key):
                setattr(args, key, value)
    return args
