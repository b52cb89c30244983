"""The sparring PDF as a load: what a long PDF costs, what asking again costs, and how the
other pages answer while PDFs are being made.

The app under uvicorn on a fresh embedded data folder (the default settings: one PDF
process). A recording of the caseworker's, shared with the supervisor, with `--items`
(1,200) published items of some 700 characters each (about 400 pages). Measured:

    cold:   the caseworker's first PDF: wall time and the CPU time of the server and its
            PDF process
    warm:   the same PDF again (kept in memory): wall time
    load:   after one more item (every PDF is stale), at once: the caseworker's PDF, the
            caseworker's second one (answered 429 while the first is made), the
            supervisor's English one; meanwhile the recording page, again and again, for
            another browser: its latency before (idle) and during

    .venv/bin/python bench/pdf_load.py [--items 1200] [--repeats 10]
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from harness import command_line, log, measure, parse, results, server, sine_wav

TEXT = (
    "Du stiller et åbent spørgsmål og venter roligt på barnets svar; barnet fortæller mere "
    "om frikvarteret, og du følger op med et nyt spørgsmål i barnets egne ord. "
) * 4


def cpu_of_tree(pid: int) -> float:
    """CPU seconds of the server and its children (the PDF process) so far."""
    return sum(measure.cpu_seconds(p) for p in (pid, *measure.children(pid)))


def page_count(body: bytes, folder: Path) -> int:
    """The PDF's pages, as poppler's pdfinfo reads them."""
    path = folder / "sparring.pdf"
    path.write_bytes(body)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    pages = next(line for line in info.stdout.splitlines() if line.startswith("Pages:"))
    return int(pages.split()[1])


def browser(app: server.Server, email: str, password: str) -> Any:
    """Another browser, logged in (its own cookies)."""
    import httpx

    return server.login(httpx.Client(base_url=app.base, timeout=60.0), email, password)


def page_times(client: Any, path: str, stop: threading.Event, times: list[float]) -> None:
    while not stop.is_set():
        t0 = time.perf_counter()
        client.get(path).raise_for_status()
        times.append(time.perf_counter() - t0)


def main() -> None:
    parser = command_line(__doc__, 10, "idle page requests before the load")
    parser.add_argument("--items", type=int, default=1200, help="published feedback items")
    args = parse(parser, items=60, repeats=3)
    load_before = os.getloadavg()[0]
    with server.data_folder("pdf", server.TMP, args.keep) as folder:
        env = server.app_env(folder / "data")
        logins = server.prepare(env)
        app = server.Server(env)
        try:
            owner = app.login(*logins["caseworker"])
            supervisor, pages = (browser(app, *logins["supervisor"]) for _ in range(2))
            audio = folder / "tone.wav"
            sine_wav(audio, 600)
            made = server.upload(owner, audio, language="da")
            made.raise_for_status()
            rid = made.json()["id"]
            them = supervisor.get("/api/v1/me").json()["id"]
            owner.post(f"/api/v1/recordings/{rid}/shares", json={"user_id": them})
            criterion = owner.get("/api/v1/criteria").json()["criteria"][0]["id"]
            api = f"/api/v1/recordings/{rid}/feedback"

            def give(n: int) -> None:
                item = {"kind": "strength", "start_seconds": (n * 0.47) % 590, "publish": True,
                        "criterion_ids": [criterion], "text": f"{n}. {TEXT}"}  # fmt: skip
                owner.post(api, json=item).raise_for_status()

            log(f"{args.items} items ...")
            for n in range(args.items):
                give(n)
            url, page = f"/recordings/{rid}/sparring.pdf", f"/recordings/{rid}"
            idle: list[float] = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                pages.get(page).raise_for_status()
                idle.append(time.perf_counter() - t0)

            cpu0, t0 = cpu_of_tree(app.pid), time.perf_counter()
            cold = owner.get(url, params={"lang": "da"}, timeout=600)
            cold_wall, cold_cpu = time.perf_counter() - t0, cpu_of_tree(app.pid) - cpu0
            cold.raise_for_status()
            t0 = time.perf_counter()
            warm = owner.get(url, params={"lang": "da"})
            warm_wall = time.perf_counter() - t0
            assert warm.content == cold.content
            pages_in_pdf = page_count(cold.content, folder)
            log(f"cold {cold_wall:.1f} s ({cold_cpu:.1f} s CPU), warm {warm_wall * 1000:.0f} ms")

            give(args.items)  # every PDF is stale now
            during: list[float] = []
            stop = threading.Event()
            with ThreadPoolExecutor(4) as browsers:
                watcher = browsers.submit(page_times, pages, page, stop, during)

                def fetch(client: Any, lang: str) -> tuple[int, float]:
                    t = time.perf_counter()
                    response = client.get(url, params={"lang": lang}, timeout=600)
                    return response.status_code, time.perf_counter() - t

                first = browsers.submit(fetch, owner, "da")
                time.sleep(0.5)  # the first is being made
                second = browsers.submit(fetch, owner, "en")
                other = browsers.submit(fetch, supervisor, "en")
                answers = [f.result() for f in (first, second, other)]
                stop.set()
                watcher.result()
        finally:
            app.stop()
    load = (load_before, os.getloadavg()[0])
    pages_mb = len(cold.content) / 1e6
    idle_ms = measure.median(idle) * 1000
    during_ms = measure.median(during) * 1000
    worst_ms = max(during) * 1000
    names = ("caseworker's PDF", "caseworker's second PDF at once", "supervisor's PDF")
    asked = list(zip(names, answers, strict=True))
    lines = [f"{name}: HTTP {code} after {wall:.1f} s" for name, (code, wall) in asked]
    markdown = "\n".join(
        [
            f"{args.items} published items of ~{len(TEXT)} characters; one PDF process "
            "(the default `SPARRING_PDF_WORKERS=1`).",
            "",
            f"- cold PDF ({pages_in_pdf} pages, {pages_mb:.1f} MB): **{cold_wall:.1f} s** wall, "
            f"{cold_cpu:.1f} s CPU (server and its PDF process, which starts with it)",
            f"- the same PDF again (kept in memory): **{warm_wall * 1000:.0f} ms**",
            "- at once, after one more item: " + "; ".join(lines),
            f"- the recording page meanwhile: median **{during_ms:.0f} ms**, worst "
            f"{worst_ms:.0f} ms over {len(during)} requests (idle: median {idle_ms:.0f} ms)",
            f"- load average (1 min) before and after: {load[0]:.1f}, {load[1]:.1f} (a shared "
            "machine: the wall times include waiting for the CPU)",
        ]
    )
    data = {
        "items": args.items,
        "pdf_bytes": len(cold.content),
        "pdf_pages": pages_in_pdf,
        "cold_wall_seconds": round(cold_wall, 2),
        "cold_cpu_seconds": round(cold_cpu, 2),
        "warm_wall_ms": round(warm_wall * 1000, 1),
        "at_once": [{"who": n, "status": c, "seconds": round(w, 2)} for n, (c, w) in asked],
        "page_idle_median_ms": round(idle_ms, 1),
        "page_during_median_ms": round(during_ms, 1),
        "page_during_worst_ms": round(worst_ms, 1),
        "page_requests_during": len(during),
        "load_average": [round(v, 2) for v in load],
    }
    results.report(args, "pdf_load", data, markdown)


if __name__ == "__main__":
    main()
