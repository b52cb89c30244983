"""Resumable uploads (tus 1.0, `/api/v1/uploads`): an upload cut three times still arrives
whole, its speed against today's single-request upload, and the wait after the last byte.

A WAV of `--gib` GiB (ffmpeg, `harness.sine_wav`; the server probes it as any upload) in
bench/work/, its SHA-256 read with hashlib. One migrated data folder, the demo caseworker,
and per store (`--stores`: the data folder, `local`, and an S3 bucket `vs-bench-tus-<random>`
on the tests' SeaweedFS, 127.0.0.1:8333, started by scripts/lib.sh's `ensure_s3` if it does
not answer; removed at the end) a uvicorn server as the tests start it (no worker: the job
is only queued). The tus client is this script's own, and resumes as tus-js-client does:
after a failed request it asks where the upload stands (HEAD) and goes on from there with
PATCH; a 423 (another request still holds the upload's lease) or a 409 (wrong offset) is
retried after a short backoff, again from a HEAD. Chunks of `--chunk-mib` MiB (64, as the
upload page sends), each one PATCH, its body handed to httpx in 1 MiB pieces with its
Content-Length. Per store, in this order: one 3 s WAV each way (first-use costs out of the
timings), the cut run (1), then the pairs (2); (3) comes from both.

Before anything else, one PATCH of a whole chunk with the default settings: where it is
refused with 413 (`max_request_bytes`, 1 MiB by default, limits every body but the
single-request upload's), the servers run with SPARRING_MAX_REQUEST_BYTES raised to the
chunk + 1 MiB, and the result says so (`request_limit`).

1. Cuts: the upload goes through a loopback TCP proxy in this process (threads) that closes
   both sides of the connection when the bytes it has carried towards the server pass 25 %,
   50 % and 75 % of the file (plus an odd few bytes, so never on a chunk's border). The
   upload must complete, the recording's SHA-256 (`GET /api/v1/recordings/<id>`) must be the
   file's, and the bytes sent again (all the client handed to its connection minus the
   file's size) at most one chunk per cut. Reported apart: what each cut lost (where the
   client had got to in that PATCH against where the server went on from) and the bodies of
   PATCHes answered 409/423 (a client sends the whole body before it reads the answer).
2. Throughput: tus straight to the server (no proxy, one keep-alive httpx connection) against
   today's single-request upload (`curl -T` to `POST /api/v1/recordings`, the fields in
   X-Upload-Fields, as bench/upload_speed.py), `--repeats` times each in turn (A B, B A,
   ...), from the POST that creates the upload to the last 204 / to curl's 201. Target: tus
   throughput / single-request throughput (of the medians) >= 0.8. Beside it, the time the
   tus client sat idle between a chunk's last byte and its 204 (the server making the chunk
   durable and moving the offset), summed per upload; and a third side in the same turns,
   tus in chunks of `--other-chunk-mib` (32; 0 leaves it out), to show what the chunk size
   does to that.
3. From the last byte to the recording: in each tus upload of 2 and in the cut run, the time
   from when the client's final PATCH has handed its last byte to the connection to that
   PATCH's 204 (the recording's row exists by then: probe done, job queued). Target < 2 s
   for 1 GiB on every upload, on each store.

Server and SeaweedFS CPU time per upload, the client's CPU time and the load average are
stored with each figure. Every recording is deleted through the API after it is checked; the
source file is deleted at the end (`--keep-source` keeps it).

    .venv/bin/python bench/tus_upload.py [--gib 1] [--repeats 3] [--chunk-mib 64]
        [--other-chunk-mib 32] [--stores local,s3] [--keep-source]
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from harness import WORK, command_line, log, measure, parse, results, server, sine_wav
from media_store import (
    ACCESS_KEY,
    ENDPOINT,
    SECRET_KEY,
    bucket_client,
    drop_bucket,
    ensure_s3,
    s3_server_pid,
)

GIB = 1024**3
MIB = 1024**2
PIECE = MIB  # what the client hands httpx at a time (and counts as sent)
CUTS = (0.25, 0.5, 0.75)
CUT_SKEW = 12_345  # bytes past each fraction: never on a chunk's border
TARGET_RATIO = 0.8
TARGET_LAST_BYTE_S = 2.0
BACKOFF_S = (0.05, 0.1, 0.2, 0.5, 1.0)  # the client's waits before a retry (423, 409, cut)
MAX_FAILURES = 30
TUS = {"Tus-Resumable": "1.0.0"}


# The proxy that cuts ----------------------------------------------------------------------


class CutProxy:
    """A loopback TCP proxy to `target` (host, port): one thread per direction of each
    connection. When the bytes it has carried towards the server (all connections together)
    reach the next of `cuts`, it forwards exactly up to that byte and closes both sockets."""

    def __init__(self, target: tuple[str, int], cuts: list[int]) -> None:
        self.target, self.cuts = target, sorted(cuts)
        self.carried = 0  # towards the server, all connections
        self.cut_log: list[dict[str, Any]] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                near, _ = self._listener.accept()
            except OSError:
                return
            far = socket.create_connection(self.target)
            with self._lock:
                self.connections += 1
                number = self.connections
            pair = (near, far)
            threading.Thread(target=self._up, args=(pair, number), daemon=True).start()
            threading.Thread(target=self._down, args=(pair,), daemon=True).start()

    @staticmethod
    def _close(pair: tuple[socket.socket, socket.socket]) -> None:
        for sock in pair:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _up(self, pair: tuple[socket.socket, socket.socket], number: int) -> None:
        near, far = pair
        on_connection = 0
        try:
            while data := near.recv(256 * 1024):
                with self._lock:
                    cut = self.cuts[0] if self.cuts else None
                    if cut is not None and self.carried + len(data) >= cut:
                        data = data[: cut - self.carried]
                        self.cuts.pop(0)
                    else:
                        cut = None
                    self.carried += len(data)
                far.sendall(data)
                on_connection += len(data)
                if cut is not None:
                    self.cut_log.append(
                        {"at_carried": cut, "connection": number, "on_connection": on_connection}
                    )
                    break
        except OSError:
            pass
        self._close(pair)

    def _down(self, pair: tuple[socket.socket, socket.socket]) -> None:
        near, far = pair
        try:
            while data := far.recv(256 * 1024):
                near.sendall(data)
        except OSError:
            pass
        self._close(pair)

    def close(self) -> None:
        self._closed.set()
        self._listener.close()


# The tus client ---------------------------------------------------------------------------


def metadata(fields: dict[str, str]) -> str:
    import base64

    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in fields.items())


class TusClient:
    """One upload at a time, resuming as tus-js-client does (see the top)."""

    def __init__(self, client: Any, chunk: int) -> None:
        self.client, self.chunk = client, chunk

    def _pieces(self, path: Path, start: int, end: int, state: dict[str, Any]) -> Iterator[bytes]:
        """The bytes [start, end) of the file in `PIECE`s; `state['sent']` counts what was
        handed to httpx, `state['last']` is when httpx asked for more after the last piece
        (the last byte is then written to the connection)."""
        with path.open("rb") as fh:
            fh.seek(start)
            left = end - start
            while left > 0:
                piece = fh.read(min(PIECE, left))
                left -= len(piece)
                state["sent"] += len(piece)
                yield piece
        state["last"] = time.perf_counter()

    def _head(self, url: str) -> int:
        response = self.client.head(url, headers=TUS)
        if response.status_code != 200:
            raise RuntimeError(f"HEAD {url}: HTTP {response.status_code}")
        return int(response.headers["upload-offset"])

    def upload(self, path: Path, fields: dict[str, str]) -> dict[str, Any]:
        size = path.stat().st_size
        t0 = time.perf_counter()
        created = self.client.post(
            "/api/v1/uploads",
            headers={**TUS, "Upload-Length": str(size), "Upload-Metadata": metadata(fields)},
        )
        if created.status_code != 201:
            raise RuntimeError(f"create: HTTP {created.status_code} {created.text[:300]}")
        url = created.headers["location"]
        state: dict[str, Any] = {"sent": 0, "last": None}
        offset: int | None = 0
        failures: list[dict[str, Any]] = []  # requests that got no answer (a cut)
        refused: list[dict[str, Any]] = []  # PATCHes answered 409 or 423
        answers: Counter[int] = Counter()
        patches = 0
        waits: list[float] = []  # from each taken PATCH's last byte to its 204
        last_byte_s = None
        while True:
            if len(failures) > MAX_FAILURES:
                raise RuntimeError(f"gave up after {len(failures)} failed requests: {failures}")
            try:
                if offset is None:
                    offset = self._head(url)
                end = min(offset + self.chunk, size)
                headers = {
                    **TUS,
                    "Upload-Offset": str(offset),
                    "Content-Type": "application/offset+octet-stream",
                    "Content-Length": str(end - offset),
                }
                sent_before, state["last"] = state["sent"], None
                patches += 1
                response = self.client.patch(
                    url, content=self._pieces(path, offset, end, state), headers=headers
                )
                answered = time.perf_counter()
            except httpx.TransportError as exc:  # the connection cut
                failures.append({
                    "kind": type(exc).__name__,
                    "patch_offset": offset,
                    "handed_in_patch": state["sent"] - sent_before,
                })  # fmt: skip
                offset = None
                time.sleep(BACKOFF_S[min(len(failures), len(BACKOFF_S)) - 1])
                continue
            answers[response.status_code] += 1
            if response.status_code == 204:
                if failures and "resumed_at" not in failures[-1]:  # where it went on from
                    failures[-1]["resumed_at"] = offset
                waits.append(answered - state["last"])
                offset = int(response.headers["upload-offset"])
                if offset == size:
                    last_byte_s = answered - state["last"]
                    location = response.headers["recording-location"]
                    break
                continue
            if response.status_code in (409, 423):
                # httpx sends the whole body before it reads the answer (as browsers do)
                refused.append({"status": response.status_code, "patch_offset": offset,
                                "handed": state["sent"] - sent_before})  # fmt: skip
                retry = answers[409] + answers[423]
                time.sleep(BACKOFF_S[min(retry, len(BACKOFF_S)) - 1])
                offset = None
                continue
            raise RuntimeError(f"PATCH: HTTP {response.status_code} {response.text[:300]}")
        t1 = time.perf_counter()
        return {
            "seconds": t1 - t0,
            "start": t0,
            "end": t1,
            "last_byte_to_answer_s": last_byte_s,
            "sent": state["sent"],
            "resent": state["sent"] - size,
            "patches": patches,
            # The client's idle time between chunks: the server making each one durable.
            "waits_s": sum(waits[:-1]),
            "wait_median_s": measure.median(waits[:-1]) if len(waits) > 1 else 0.0,
            "answers": dict(answers),
            "failures": failures,
            "refused": refused,
            "recording": location.rsplit("/", 1)[1],
        }


# The run ----------------------------------------------------------------------------------


class Store:
    """One store's server, logged in, with what it needs to check a recording."""

    def __init__(self, name: str, env: dict[str, str], caseworker: tuple, log_path: Path) -> None:
        self.name = name
        self._log = log_path.open("wb")
        self.app = server.Server(env, output=self._log)
        self.app.login(*caseworker, timeout=600.0)
        self.weed = s3_server_pid() if name == "s3" else None

    def checked(self, rid: str, size: int, sha256: str) -> bool:
        """The recording's size and SHA-256 as the API shows them are the file's; then it
        is deleted."""
        rec = self.app.client.get(f"/api/v1/recordings/{rid}").json()
        ok = rec["size_bytes"] == size and rec["sha256"] == sha256
        self.app.delete(rid)
        return bool(ok)

    def costs(self) -> tuple[float, float]:
        return self.app.cpu(), measure.cpu_seconds(self.weed) if self.weed else 0.0

    def stop(self) -> None:
        self.app.stop()
        self._log.close()


def one(store: Store, side: str, source: Path, sha256: str, chunk: int, n: int) -> dict:
    """One timed upload on `side` (tus; tus_other: tus in chunks of another size; single),
    checked and deleted."""
    size = source.stat().st_size
    fields = server.upload_fields(f"tus bench {side} {n}", f"BENCH-TUS-{n}", "da")
    cpu0, weed0 = store.costs()
    with measure.Clock() as clock:
        if side.startswith("tus"):
            run = TusClient(store.app.client, chunk).upload(source, {**fields, "filename":
                                                                      source.name})  # fmt: skip
        else:
            up = store.app.curl_upload(source, fields)
            run = {"seconds": up["seconds"], "recording": up["json"]["id"]}
    cpu1, weed1 = store.costs()
    run.update(
        mib_s=size / MIB / run["seconds"],
        server_cpu=cpu1 - cpu0,
        s3_server_cpu=weed1 - weed0,
        client_cpu=clock.cpu,
        load=clock.load,
        sha_ok=store.checked(run["recording"], size, sha256),
    )
    extra = ""
    if side.startswith("tus"):
        extra = (f", last byte -> 204 {run['last_byte_to_answer_s']:.3f} s, {run['patches']} "
                 f"PATCH, waits between chunks {run['waits_s']:.2f} s")  # fmt: skip
    log(f"  {store.name} {side:<6} {run['seconds']:6.2f} s ({run['mib_s']:6.0f} MiB/s), server "
        f"CPU {run['server_cpu']:.2f} s, S3 server CPU {run['s3_server_cpu']:.2f} s{extra}, "
        f"SHA-256 right: {run['sha_ok']}, load {clock.load[0]:.2f}->"
        f"{clock.load[1]:.2f}")  # fmt: skip
    return run


def request_limit(store: Store, source: Path, chunk: int, biggest: int) -> dict[str, Any]:
    """Whether the server takes a PATCH of one whole chunk with its default settings. Where
    it answers 413 (the app's `max_request_bytes`, 1 MiB by default, applies to every body
    but the single-request upload's), the servers run with SPARRING_MAX_REQUEST_BYTES
    raised to the `biggest` chunk plus 1 MiB, and the result says so."""
    fields = server.upload_fields("tus bench limit", "BENCH-TUS-LIMIT", "da")
    size = source.stat().st_size
    headers = {**TUS, "Upload-Length": str(size),
               "Upload-Metadata": metadata({**fields, "filename": source.name})}  # fmt: skip
    client = store.app.client
    created = client.post("/api/v1/uploads", headers=headers)
    if created.status_code != 201:
        raise RuntimeError(f"create: HTTP {created.status_code} {created.text[:300]}")
    url = created.headers["location"]
    with source.open("rb") as fh:
        body = fh.read(min(chunk, size))
    offset_headers = {"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
    answer = client.patch(url, content=body, headers={**TUS, **offset_headers})
    client.delete(url, headers=TUS)
    if answer.status_code == 204:
        log(f"a PATCH of {len(body):,} bytes is taken with the default settings")
        return {"default_refused": False, "env": {}}
    if answer.status_code != 413:
        raise RuntimeError(f"PATCH: HTTP {answer.status_code} {answer.text[:300]}")
    raised = {"SPARRING_MAX_REQUEST_BYTES": str(max(chunk, biggest) + MIB)}
    log(f"a PATCH of {len(body):,} bytes is REFUSED with the default settings: HTTP 413 "
        f"{answer.json().get('code')}; the servers run with {raised}")  # fmt: skip
    return {
        "default_refused": True,
        "patch_bytes": len(body),
        "answer": f"HTTP 413 {answer.json().get('code')}: {answer.json().get('detail')}",
        "env": raised,
    }


def cut_run(store: Store, source: Path, sha256: str, chunk: int) -> dict[str, Any]:
    """The upload through the proxy that cuts it three times (see the top)."""
    size = source.stat().st_size
    host, port = store.app.base.removeprefix("http://").split(":")
    cuts = [int(f * size) + CUT_SKEW for f in CUTS]
    proxy = CutProxy((host, int(port)), cuts)
    client = httpx.Client(base_url=proxy.base, headers=store.app.auth, timeout=600.0)
    fields = server.upload_fields("tus bench cut", "BENCH-TUS-CUT", "da")
    try:
        cpu0, weed0 = store.costs()
        run = TusClient(client, chunk).upload(source, {**fields, "filename": source.name})
        cpu1, weed1 = store.costs()
    finally:
        client.close()
        proxy.close()
    cut_log = proxy.cut_log
    for failure in run["failures"]:
        # Where the server went on from, against where the client had got to in that PATCH.
        failure["client_reached"] = failure["patch_offset"] + failure["handed_in_patch"]
        failure["lost"] = failure["client_reached"] - failure.get("resumed_at", 0)
    run["lost_in_cuts"] = sum(f["lost"] for f in run["failures"])
    run["refused_bodies"] = sum(f["handed"] for f in run["refused"])
    run.update(
        cuts_planned=cuts,
        cuts_made=len(cut_log),
        cut_log=cut_log,
        connections=proxy.connections,
        server_cpu=cpu1 - cpu0,
        s3_server_cpu=weed1 - weed0,
        mib_s=size / MIB / run["seconds"],
        sha_ok=store.checked(run["recording"], size, sha256),
    )
    run["resent_ok"] = run["resent"] <= chunk * len(cut_log)
    run["completed"] = True
    log(f"  {store.name} cut run: {run['seconds']:.2f} s, cuts {len(cut_log)}, failures "
        f"{[(f['kind'], f['patch_offset'], f.get('resumed_at')) for f in run['failures']]}, "
        f"refused {[(f['status'], f['patch_offset']) for f in run['refused']]}, "
        f"answers {run['answers']}, re-sent {run['resent'] / MIB:.2f} MiB, SHA-256 right: "
        f"{run['sha_ok']}")  # fmt: skip
    return run


def run_store(store: Store, args: Any, source: Path, sha256: str, warm: Path) -> dict[str, Any]:
    chunk = args.chunk_mib * MIB
    chunks = {"tus": chunk, "single": 0, "tus_other": args.other_chunk_mib * MIB}
    sides = ("tus", "single", "tus_other") if args.other_chunk_mib else ("tus", "single")
    warm_sha = hashlib.sha256(warm.read_bytes()).hexdigest()
    for side in ("tus", "single"):  # first-use costs out of the timed runs
        one(store, side, warm, warm_sha, chunk, 0)
    log(f"{store.name}: cut run, then {args.repeats} x {', '.join(sides)} in turn")
    cut = cut_run(store, source, sha256, chunk)
    runs = measure.Runs()
    for n, side in measure.alternate(sides, args.repeats):
        runs.add(side, one(store, side, source, sha256, chunks[side], n + 1))
    size = source.stat().st_size
    last = [r["last_byte_to_answer_s"] for r in runs["tus"]]
    every_last = [*last, cut["last_byte_to_answer_s"]]
    ratio = runs.ratio("seconds", "single", "tus")  # throughput tus / single

    def figures(side: str) -> dict[str, Any]:
        r = runs[side]
        waits = {}
        if side.startswith("tus"):
            waits = {
                "chunk_waits_s": [round(x["waits_s"], 2) for x in r],
                "chunk_wait_median_s": round(runs.median(side, "wait_median_s"), 3),
                "chunk_waits_share": round(
                    runs.median(side, "waits_s") / runs.median(side, "seconds"), 3
                ),  # fmt: skip
            }
        return {
            **waits,
            "seconds": [round(x["seconds"], 2) for x in r],
            "mib_s": [round(x["mib_s"], 1) for x in r],
            "median_seconds": round(runs.median(side, "seconds"), 2),
            "median_mib_s": round(size / MIB / runs.median(side, "seconds"), 1),
            "server_cpu_per_gib": round(runs.median(side, "server_cpu") / (size / GIB), 2),
            "s3_server_cpu_per_gib": round(runs.median(side, "s3_server_cpu") / (size / GIB), 2),
            "client_cpu_per_gib": round(runs.median(side, "client_cpu") / (size / GIB), 2),
            "loads": [[round(v, 2) for v in x["load"]] for x in r],
            "sha_ok": all(x["sha_ok"] for x in r),
        }

    cut_out = {k: v for k, v in cut.items() if k not in ("start", "end", "recording")}
    for key in ("seconds", "mib_s", "last_byte_to_answer_s", "server_cpu", "s3_server_cpu"):
        cut_out[key] = round(cut_out[key], 3)
    return {
        "order": ", ".join(side for _, side in measure.alternate(sides, args.repeats)),
        **{side: figures(side) for side in sides},
        "throughput_ratio": round(ratio, 3),
        "throughput_target_met": ratio >= TARGET_RATIO,
        "last_byte_s": [round(x, 3) for x in last],
        "last_byte_cut_run_s": round(cut["last_byte_to_answer_s"], 3),
        "last_byte_median_s": round(measure.median(last), 3),
        "last_byte_max_s": round(max(every_last), 3),
        "last_byte_target_met": max(every_last) < TARGET_LAST_BYTE_S,
        "tus_patches": runs["tus"][0]["patches"],
        "tus_answers": runs["tus"][0]["answers"],
        "cut": cut_out,
        **(
            {
                "other_chunk_throughput_ratio": round(
                    runs.ratio("seconds", "single", "tus_other"), 3
                ),
                "other_chunk_last_byte_s": [
                    round(r["last_byte_to_answer_s"], 3) for r in runs["tus_other"]
                ],
            }
            if "tus_other" in sides
            else {}
        ),
    }


def main() -> None:
    parser = command_line(__doc__, 3, "tus / single-request uploads of each store, in turn")
    parser.add_argument("--gib", type=float, default=1.0, help="size of the file (GiB)")
    parser.add_argument("--chunk-mib", type=int, default=64, help="the tus client's chunk")
    parser.add_argument("--stores", default="local,s3", help="local, s3 or both")
    parser.add_argument(
        "--other-chunk-mib",
        type=int,
        default=32,
        help="a third side in the throughput runs: tus in chunks of this size (0: none)",
    )
    parser.add_argument("--keep-source", action="store_true", help="keep the source WAV")
    args = parse(parser, repeats=1, gib=0.125)
    stores = [s for s in args.stores.split(",") if s]
    folder = WORK / "quick" if args.quick else WORK
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"vs-tus-source-{args.gib:g}GiB.wav"
    warm = folder / "vs-tus-warmup.wav"
    if "s3" in stores:
        ensure_s3()
    started = time.perf_counter()
    bucket = f"vs-bench-tus-{secrets.token_hex(4)}"
    try:
        if not source.exists():
            log(f"making a {args.gib:g} GiB WAV in {folder} with ffmpeg ...")
            sine_wav(source, args.gib * GIB / 192000)
        sine_wav(warm, 3.0)
        size = source.stat().st_size
        with source.open("rb") as fh:
            sha256 = hashlib.file_digest(fh, "sha256").hexdigest()
        log(f"source {source.name}: {source.stat().st_size:,} bytes, SHA-256 {sha256[:16]}...")
        with server.data_folder("tus", keep=args.keep) as data_dir:
            env = server.app_env(data_dir, "SPARRING_STORAGE", "SPARRING_S3_",
                                 SPARRING_STORAGE="local")  # fmt: skip
            caseworker = server.prepare(env)["caseworker"]
            s3_env = {
                **env,
                "SPARRING_STORAGE": "s3",
                "SPARRING_S3_ENDPOINT": ENDPOINT,
                "SPARRING_S3_BUCKET": bucket,
                "SPARRING_S3_REGION": "us-east-1",
                "SPARRING_S3_ACCESS_KEY": ACCESS_KEY,
                "SPARRING_S3_SECRET_KEY": SECRET_KEY,
            }
            if "s3" in stores:
                bucket_client().create_bucket(Bucket=bucket)
                log(f"bucket {bucket} made on {ENDPOINT}")
            per_store = {}
            limit: dict[str, Any] = {}
            try:
                for name in stores:
                    store_env = {**(s3_env if name == "s3" else env), **limit.get("env", {})}
                    log_path = data_dir / f"server-{name}.log"
                    store = Store(name, store_env, caseworker, log_path)
                    if not limit:
                        limit = request_limit(store, source, args.chunk_mib * MIB,
                                              args.other_chunk_mib * MIB)  # fmt: skip
                        if limit["env"]:
                            store.stop()
                            store = Store(name, {**store_env, **limit["env"]}, caseworker,
                                          log_path)  # fmt: skip
                    try:
                        per_store[name] = run_store(store, args, source, sha256, warm)
                    finally:
                        store.stop()
            finally:
                if "s3" in stores:
                    drop_bucket(bucket)
                    log(f"bucket {bucket} removed")
    finally:
        warm.unlink(missing_ok=True)
        if not args.keep_source:
            source.unlink(missing_ok=True)
    result = {
        "file_bytes": size,
        "chunk_bytes": args.chunk_mib * MIB,
        "other_chunk_bytes": args.other_chunk_mib * MIB,
        "repeats": args.repeats,
        "cuts": list(CUTS),
        "target_ratio": TARGET_RATIO,
        "target_last_byte_s": TARGET_LAST_BYTE_S,
        "s3_server": f"SeaweedFS ({ENDPOINT}, same machine)",
        "request_limit": limit,
        "stores": per_store,
        "cpus": os.cpu_count(),
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "run_minutes": round((time.perf_counter() - started) / 60, 1),
    }
    results.report(args, "tus_upload", result, summary(result))


def summary(r: dict[str, Any]) -> str:
    chunk = r["chunk_bytes"] // MIB
    lines = [
        f"File: a {r['file_bytes']:,}-byte WAV (ffmpeg sine, {r['file_bytes'] / GIB:.2f} GiB); "
        f"tus chunk {chunk} MiB (one PATCH each, one keep-alive httpx connection); single "
        "request: `curl -T` to `POST /api/v1/recordings` (fields in X-Upload-Fields). Servers: "
        f"uvicorn, one process per store, no worker (the job is only queued); S3: "
        f"{r['s3_server']}, a fresh bucket. {r['cpus']} CPUs shared by the client, the server "
        f"and SeaweedFS; load average at the end {', '.join(map(str, r['load_average']))}. "
        f"Run took {r['run_minutes']} min.",
        "",
    ]
    limit = r.get("request_limit") or {}
    if limit.get("default_refused"):
        lines += [
            f"**With the default settings a PATCH of {limit['patch_bytes']:,} bytes is refused** "
            f"({limit['answer']}): `max_request_bytes` limits every body but the single-request "
            "upload's. The servers ran with "
            + ", ".join(f"{k}={v}" for k, v in limit["env"].items())
            + ".",
            "",
        ]
    elif limit:
        lines += ["A PATCH of a whole chunk is taken with the default settings.", ""]
    lines += [
        f"**1. Cut three times** (a loopback proxy closes both sides at "
        f"{', '.join(f'{c:.0%}' for c in r['cuts'])} of the bytes it carries, mid-PATCH; the "
        "client HEADs and goes on, retrying 423/409 after a short wait):",
        "",
        "| store | completed | SHA-256 right | cuts | PATCHes cut: client had handed up to "
        "byte -> the server went on from | PATCHes refused meanwhile (their whole bodies sent) "
        "| re-sent (MiB; limit 1 chunk per cut) | answers | time (s) | last byte -> 204 (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in r["stores"].items():
        c = s["cut"]
        resumed = "; ".join(
            f"{f['client_reached']:,} -> {f.get('resumed_at', 0):,}" for f in c["failures"]
        )
        refused = "; ".join(f"{f['status']} at {f['patch_offset']:,}" for f in c["refused"])
        lines.append(
            f"| {name} | {c['completed']} | **{c['sha_ok']}** | {c['cuts_made']} | {resumed} "
            f"({c['lost_in_cuts'] / MIB:.2f} MiB lost) | {refused or 'none'} "
            f"({c['refused_bodies'] / MIB:.2f} MiB) | **{c['resent'] / MIB:.2f}** (<= "
            f"{chunk * c['cuts_made']}: {results.verdict(c['resent_ok'])}) | {c['answers']} | "
            f"{c['seconds']} | {c['last_byte_to_answer_s']} |"
        )
    lines += [
        "",
        f"**2. Throughput** ({r['repeats']} of each per store, in turn; from the POST that "
        "creates the upload to the last 204, and to curl's 201):",
        "",
        "| store | side | each (s) | median (s) | MiB/s (median) | server CPU / GiB (s) "
        "| SeaweedFS CPU / GiB (s) | client CPU / GiB (s) | SHA-256 right | load before->after |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in r["stores"].items():
        for side in ("tus", "single", "tus_other"):
            if side not in s:
                continue
            f = s[side]
            label = (
                f"tus, {r['other_chunk_bytes'] // MIB} MiB chunks" if side == "tus_other" else side
            )
            lines.append(
                f"| {name} | {label} | {', '.join(map(str, f['seconds']))} | {f['median_seconds']} "
                f"| {f['median_mib_s']} | {f['server_cpu_per_gib']} | {f['s3_server_cpu_per_gib']}"
                f" | {f['client_cpu_per_gib']} | {f['sha_ok']} | "
                + ", ".join(f"{a}->{b}" for a, b in f["loads"])
                + " |"
            )
    lines.append("")
    for name, s in r["stores"].items():
        t = s["tus"]
        lines.append(
            f"- {name}: **tus / single-request throughput {s['throughput_ratio']:.2f}x** "
            f"(target >= {r['target_ratio']}: {results.verdict(s['throughput_target_met'])}); "
            f"the tus client sat idle between a chunk's last byte and its 204 for "
            f"{', '.join(map(str, t['chunk_waits_s']))} s per upload ({t['chunk_waits_share']:.0%}"
            f" of its time; median {t['chunk_wait_median_s'] * 1000:.0f} ms per chunk)"
        )
        if "tus_other" in s:
            b = s["tus_other"]
            lines.append(
                f"  - with {r['other_chunk_bytes'] // MIB} MiB chunks (the same runs, in turn): "
                f"**{s['other_chunk_throughput_ratio']:.2f}x**; idle {b['chunk_waits_share']:.0%} "
                f"of its time (median {b['chunk_wait_median_s'] * 1000:.0f} ms per chunk); last "
                f"byte -> 204 {', '.join(map(str, s['other_chunk_last_byte_s']))} s"
            )
    lines += [
        "",
        "**3. From the last byte to the recording** (the final PATCH: from when the client has "
        "handed its last byte to the connection to the 204, which comes once the recording's "
        "row exists):",
        "",
    ]
    for name, s in r["stores"].items():
        lines.append(
            f"- {name}: timed uploads {', '.join(map(str, s['last_byte_s']))} s (median "
            f"**{s['last_byte_median_s']} s**), cut run {s['last_byte_cut_run_s']} s; max "
            f"{s['last_byte_max_s']} s (target < {r['target_last_byte_s']:g} s on every upload: "
            f"{results.verdict(s['last_byte_target_met'])})"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
