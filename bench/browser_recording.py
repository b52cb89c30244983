"""A recording made in the browser: from pressing Stop until the server has all of it.

The record page (/recordings/record, app/static/recorder.js) in headless Chromium with a
fake camera (its test pattern) and a fake microphone that speaks (speech_audio.py's
conversation): `--seconds` of recording (2 minutes), then Stop. Measured: from the click on
Stop until the answer to the PATCH that completes the upload (the recording's row exists
then: the answer names it), the bytes not yet on the server at the click (made and waiting,
and the last chunk that MediaRecorder makes on stop), and how long the server took over that
last PATCH (the remux of the browser's WebM, the probe and test decode, the row).
Target: < 3 s from Stop. With `--shots DIR`, screenshots of the page (before, during, offline)
at 1366x768 and 390 px wide.

    .venv/bin/python bench/browser_recording.py [--seconds 120] [--repeats 2] [--shots DIR]
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

from harness import command_line, log, measure, parse, results, server
from speech_audio import make_recording

TARGET_S = 3.0
FIGURES = "() => ({...document.getElementById('record-progress').dataset})"
SIZES = {"laptop": (1366, 768), "phone": (390, 844)}


def browser_for(pw: Any, speech: Path) -> Any:
    return server.chromium(
        pw,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={speech}",
    )


def open_page(browser: Any, app: server.Server, size: tuple[int, int] = SIZES["laptop"]) -> Any:
    """The record page, logged in as the caseworker (the httpx client's cookies), filled in."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="da-DK")
    context.add_cookies(
        [{"name": k, "value": v, "url": app.base} for k, v in app.client.cookies.items()]
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{app.base}/recordings/record")
    page.fill("#title", "Samtale optaget i browseren")
    page.fill("#case_reference", "BENCH-REC")
    page.select_option("#language", "en")
    page.check("#consent_child")
    page.check("#consent_custody")
    page.check("#consent_individual")
    page.fill("#consent_date", date.today().isoformat())
    page.wait_for_function("() => !document.getElementById('record-start').disabled")
    return page


def recorded(page: Any, seconds: float) -> None:
    page.wait_for_function(
        f"() => Number(document.getElementById('record-progress').dataset.seconds) >= {seconds}",
        timeout=(seconds + 60) * 1000,
    )


def one_recording(browser: Any, app: server.Server, seconds: float) -> dict[str, Any]:
    page = open_page(browser, app)
    answered: dict[str, Any] = {}

    def on_response(response: Any) -> None:
        if "recording-location" in response.headers and "at" not in answered:
            answered["at"] = time.perf_counter()
            answered["response"] = response

    page.on("response", on_response)
    page.click("#record-start")
    recorded(page, seconds)
    before = page.evaluate(FIGURES)
    clicked = time.perf_counter()
    page.click("#record-stop")
    page.wait_for_url(lambda url: "uploaded=" in url, timeout=120_000)
    response = answered["response"]
    total = int(response.headers["upload-length"])
    timing = response.request.timing
    rid = response.headers["recording-location"].rsplit("/", 1)[-1]
    recording = app.client.get(f"/api/v1/recordings/{rid}").json()
    page.context.close()
    return {
        "stop_to_all_there_s": round(answered["at"] - clicked, 3),
        "last_patch_server_s": round((timing["responseStart"] - timing["requestStart"]) / 1000, 3),
        "recorded_s": float(before["seconds"]),
        "bytes": total,
        "waiting_at_stop_bytes": int(before["waitingBytes"]),
        "unsent_at_stop_bytes": total - int(before["sent"]),
        "stored_duration_s": recording["duration_seconds"],
        "stored_bytes": recording["size_bytes"],
    }


def screenshots(browser: Any, app: server.Server, folder: Path) -> list[str]:
    """The page before, during and offline, at each size; the recordings made are deleted."""
    folder.mkdir(parents=True, exist_ok=True)
    taken = []
    for name, size in SIZES.items():
        page = open_page(browser, app, size)
        shot = folder / f"record-{name}-before.png"
        page.screenshot(path=str(shot), full_page=True)
        page.click("#record-start")
        recorded(page, 5)
        page.screenshot(path=str(folder / f"record-{name}-during.png"), full_page=True)
        page.context.set_offline(True)
        page.wait_for_function(
            "() => Number(document.getElementById('record-progress').dataset.waitingSeconds) >= 4"
        )
        page.screenshot(path=str(folder / f"record-{name}-offline.png"), full_page=True)
        page.context.set_offline(False)
        page.click("#record-stop")
        page.wait_for_url(lambda url: "uploaded=" in url)
        app.delete(page.url.rsplit("=", 1)[-1])
        page.context.close()
        taken += [f"record-{name}-{when}.png" for when in ("before", "during", "offline")]
    return taken


def markdown(runs: list[dict[str, Any]], seconds: float) -> str:
    stops = [r["stop_to_all_there_s"] for r in runs]
    worst = max(stops)
    lines = [
        f"A {seconds / 60:g}-minute recording in headless Chromium (fake camera 640x480 VP8 "
        "at 1 Mbit/s and a speaking fake microphone, Opus), sent while it is made in 2-second "
        "chunks; then Stop.",
        "",
        "| run | Stop → the server has it all | of which the last PATCH on the server | "
        "unsent at Stop (made and waiting / with the last chunk) | recording | stored duration |",
        "|---|---|---|---|---|---|",
    ]
    for n, r in enumerate(runs, 1):
        waiting, unsent = r["waiting_at_stop_bytes"] / 1e3, r["unsent_at_stop_bytes"] / 1e3
        lines.append(
            f"| {n} | **{r['stop_to_all_there_s']:.2f} s** | {r['last_patch_server_s']:.2f} s | "
            f"{waiting:.0f} kB / {unsent:.0f} kB | {r['bytes'] / 1e6:.1f} MB, "
            f"{r['recorded_s']:.1f} s | {r['stored_duration_s']:.1f} s |"
        )
    lines.append(
        f"\nStop → all there: median {measure.median(stops):.2f} s, max {worst:.2f} s "
        f"(target < {TARGET_S:g} s: {results.verdict(worst < TARGET_S)})."
    )
    return "\n".join(lines)


def main() -> None:
    parser = command_line(__doc__, 2, "recordings of --seconds each")
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--shots", type=Path, help="save screenshots of the page here")
    args = parse(parser, seconds=15.0, repeats=1)
    from playwright.sync_api import sync_playwright

    speech = make_recording("en", args.seconds + 30).wav
    with server.data_folder("recording", server.TMP, args.keep) as folder:
        env = server.use_in_process(folder)
        logins = server.prepare(env)
        app = server.Server(env)
        try:
            app.login(*logins["caseworker"])
            with sync_playwright() as pw:
                browser = browser_for(pw, speech)
                if args.shots:
                    log(f"screenshots in {args.shots}")
                    screenshots(browser, app, args.shots)
                runs = []
                for n in range(args.repeats):
                    log(f"recording {n + 1} of {args.repeats}: {args.seconds:g} s")
                    runs.append(one_recording(browser, app, args.seconds))
                    log(f"  Stop → all there {runs[-1]['stop_to_all_there_s']:.2f} s")
                browser.close()
        finally:
            app.stop()
    worst = max(r["stop_to_all_there_s"] for r in runs)
    data = {"seconds": args.seconds, "runs": runs, "target_s": TARGET_S,
            "target_met": worst < TARGET_S}  # fmt: skip
    results.report(args, "browser_recording", data, markdown(runs, args.seconds))


if __name__ == "__main__":
    main()
