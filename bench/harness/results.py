"""Results: each script's summary printed, stored in bench/results/<name>.json (the figures
and the summary in Markdown), and bench/RESULTS.md rebuilt from every stored result.

A quick run (`--quick`) is stored in bench/work/quick/ instead and leaves RESULTS.md alone;
`--no-save` only prints. `python bench/harness/results.py` rebuilds RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import BENCH, WORK  # noqa: E402

RESULTS_DIR = BENCH / "results"
RESULTS_MD = BENCH / "RESULTS.md"
ORDER = ["pipeline_overhead", "insight_overhead", "batched_vs_sequential", "upload_memory"]


def machine_line() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), CPU only, no GPU, Linux {platform.release()}"


def report(args: argparse.Namespace, name: str, data: dict[str, Any], markdown: str) -> None:
    """Print the summary under a banner and store it (see the top for where)."""
    print("\n" + "=" * 78 + f"\n{name} summary\n" + "=" * 78)
    print(markdown)
    if args.no_save:
        return
    folder = WORK / "quick" if args.quick else RESULTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    data = {
        "name": name,
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": machine_line(),
        **data,
        "markdown": markdown,
    }
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False))
    print(f"\nstored in {path.relative_to(BENCH.parent)}")
    if not args.quick:
        rebuild_results_md()


def store_markdown(args: argparse.Namespace, name: str, markdown: str) -> None:
    """A summary that is a document of its own (a labelled set's scores, tables and misses):
    bench/results/<name>.md, not a line of RESULTS.md; where `report` would store it."""
    if args.no_save:
        return
    folder = WORK / "quick" if args.quick else RESULTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    path.write_text(markdown + "\n", encoding="utf-8")
    print(f"stored in {path.relative_to(BENCH.parent)}")


def rebuild_results_md() -> None:
    results = {}
    for path in sorted(RESULTS_DIR.glob("*.json")):
        data = json.loads(path.read_text())
        results[data["name"]] = data
    names = [n for n in ORDER if n in results] + [n for n in results if n not in ORDER]
    lines = [
        "# Benchmark results",
        "",
        "Latest run of each script in bench/ (rebuilt from bench/results/*.json by the scripts;",
        "see bench/README.md for how to run them).",
        "",
    ]
    lines += glance(results) + [""]
    for name in names:
        data = results[name]
        lines += [f"## {name}", "", f"- Date: {data['date']}", f"- Machine: {data['machine']}"]
        lines += ["", data["markdown"].strip(), ""]
    RESULTS_MD.write_text("\n".join(lines))


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def glance(results: dict[str, dict]) -> list[str]:
    """One line per benchmark with its headline figure and target."""
    out = ["## At a glance", ""]
    r = results.get("pipeline_overhead")
    if r:
        out.append(
            f"- Worker run / bare transcribe, {r['audio_seconds'] / 60:.0f}-minute recording, "
            f"{r['model'].split(' ')[0]}: **{r['ratio']:.3f}** (medians {r['worker_median']} s "
            f"/ {r['bare_median']} s; target <= {r['target']:.2f} {verdict(r['target_met'])}); "
            f"WER worker {r['worker_wer'][0]:.2%}, bare {r['bare_wer'][0]:.2%} ({r['date']})"
        )
    r = results.get("insight_overhead")
    if r:
        steps = r["analysis_steps_median"]
        out.append(
            f"- Worker run + the conversation's analysis / worker run alone, "
            f"{r['audio_seconds'] / 60:.0f}-minute recording: **{r['ratio']:.3f}** (medians "
            f"{r['wall_median']['analysed']} s / {r['wall_median']['pipeline']} s; target <= "
            f"{r['target']:.2f} {verdict(r['target_met'])}; {r['ratio_from_analysis']:.3f} from "
            f"the analysis's own {r['analysis_median']} s: voices "
            f"{steps['voices (separate_file)']:.2f} s, labelling "
            f"{steps['labelling (label)']:.2f} s) ({r['date']})"
        )
    r = results.get("batched_vs_sequential")
    if r and "recordings" in r:
        rec = next(iter(r["recordings"].values()))
        gaps = [e for e in r["recordings"].values() if e["gaps"]]
        out.append(
            f"- Batched default (batch_size={r['batch_size']}) vs the old sequential default, "
            f"{rec['seconds'] / 60:.0f}-minute recording: **{r['speedup_wall']:.2f}x as fast** "
            f"(wall; CPU time {r['speedup_cpu']:.2f}x; target >= 1.8x "
            f"{verdict(r['speedup_wall'] >= 1.8)}); WER {rec['batched_wer']:.2%} vs "
            f"{rec['sequential_wer']:.2%}; {rec['batched_segments']} lines (median "
            f"{rec['batched_median_seconds']:.1f} s) vs {rec['sequential_segments']}; first line "
            f"after {rec['batched_first']:.1f} s vs {rec['sequential_first']:.1f} s; words in "
            f"silence: {sum(e['batched_in_gaps'] for e in gaps)} ({r['date']})"
        )
    r = results.get("upload_memory")
    if r:
        out.append(
            f"- {r['file_bytes'] / 1024**3:.0f} GiB upload: server RSS growth "
            f"**{r['growth_mb']} MB** "
            f"(target < {r['target_growth_mb']:.0f} MB {verdict(r['target_met'])}); upload "
            f"{r['upload_seconds']} s (its speed against a copy: upload_speed below) "
            f"({r['date']})"
        )
    r = results.get("upload_speed")
    if r and "states" in r:
        states = "; ".join(
            f"{name}: **{v['ratio']}** ({verdict(v['target_met'])}; {v['upload_median']} s vs "
            f"{v['copyfile_median']} s, server CPU {v['server_cpu_per_gib']} s/GiB, SHA-256 "
            f"alone {v['sha256_only_ratio']}x the copy)"
            for name, v in r["states"].items()
        )
        out.append(
            f"- {r['file_bytes'] / 1024**3:.0f} GiB upload with curl / shutil.copyfile, target "
            f"<= {r['target']}, by memory state: {states}; server RSS growth "
            f"{r['rss_growth_mb']} MB ({r['date']})"
        )
    r = results.get("media_store")
    if r:
        fb, pl = r["first_byte"], r["pipeline"]
        s3, local = fb["sides"]["s3"], fb["sides"]["local"]
        out.append(
            f"- Media in S3 (SeaweedFS on the same machine) against the data folder: first byte "
            f"of a range read, p95 s3 / local **{fb['p95_ratio']:.2f}** "
            f"({s3['first_byte_p95_ms']} ms vs {local['first_byte_p95_ms']} ms; target <= "
            f"{fb['target']:g} {verdict(fb['target_met'])}; p50 {fb['p50_ratio']:.2f}: "
            f"{s3['first_byte_p50_ms']} ms vs {local['first_byte_p50_ms']} ms); whole worker "
            f"run **{pl['ratio']:.3f}** (medians {pl['medians']['s3']['wall']:.2f} s / "
            f"{pl['medians']['local']['wall']:.2f} s; target <= {pl['target']:.2f} "
            f"{verdict(pl['target_met'])}; {pl['ratio_from_outside_transcribe']:.3f} from the "
            f"time outside the transcription) ({r['date']})"
        )
    r = results.get("browser_recording")
    if r:
        stops = [run["stop_to_all_there_s"] for run in r["runs"]]
        out.append(
            f"- A {r['seconds'] / 60:g}-minute recording in the browser, sent while it is made: "
            f"Stop → the server has it all in **{max(stops):.2f} s** at most ({len(stops)} "
            f"runs; target < {r['target_s']:g} s {verdict(r['target_met'])}) ({r['date']})"
        )
    r = results.get("tus_upload")
    if r and "stores" in r:
        parts = []
        for name, v in r["stores"].items():
            cut = v["cut"]
            parts.append(
                f"{name}: cut 3 times, complete and SHA-256 right **{cut['sha_ok']}**, re-sent "
                f"{cut['resent'] / 1024**2:.1f} MiB ({verdict(cut['resent_ok'])}); throughput "
                f"tus / single **{v['throughput_ratio']:.2f}x** (target >= {r['target_ratio']} "
                f"{verdict(v['throughput_target_met'])}); last byte -> recording "
                f"**{v['last_byte_median_s']} s** median, max {v['last_byte_max_s']} s (target "
                f"< {r['target_last_byte_s']:g} s {verdict(v['last_byte_target_met'])})"
            )
        out.append(
            f"- tus upload of {r['file_bytes'] / 1024**3:.0f} GiB in {r['chunk_bytes'] // 1024**2}"
            f" MiB chunks: " + "; ".join(parts) + f" ({r['date']})"
        )
    r = results.get("unsure_words")
    if r and "at_threshold" in r:
        at = r["at_threshold"]
        parts = [
            f"{name.replace(' all,', ':')} **{v['marked']:.0%}** marked, {v['recall']:.0%} of "
            f"the wrong words among them, {v['precision']:.0%} of them wrong"
            for name, v in at.items()
            if " all," in name and v["recall"] is not None and v["precision"] is not None
        ]
        out.append(
            f"- Unsure words below p {r['threshold']:g} on espeak-ng speech: "
            + "; ".join(parts)
            + f" ({r['date']})"
        )
    r = results.get("load")
    if r and "mixed" in r:
        mixed, after = r["mixed"], r["mixed"]["after"]
        errors = sum(k["failures"] for name, k in mixed["kinds"].items() if name != "all")
        pages = max(k["p95"] for name, k in mixed["kinds"].items() if name.startswith("page "))
        found = after.get("feedback_found", after["feedback_stored"])
        out.append(
            f"- Load test (Locust, PostgreSQL + Redis + S3 + 2 workers on loopback): "
            f"{mixed['users']} people for {mixed['seconds']} s, **{errors} errors** (target 0 "
            f"{verdict(errors == 0)}), page p95 {pages:.0f} ms; {after['transcribed']} of "
            f"{after['uploads_accepted']} uploads transcribed, {found} of "
            f"{after['feedback_accepted']} feedback items stored; one app core carries "
            f"**{r.get('capacity_users', 0)} simultaneous users** at page p95 < 300 ms "
            f"({r['date']})"
        )
    return out


if __name__ == "__main__":
    rebuild_results_md()
