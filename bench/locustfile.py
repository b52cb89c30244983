"""The people of the load test (bench/load.py starts Locust on this file; not on its own).

Every simulated person is a real account, logged in beforehand by bench/load.py (the real
login form and a real authenticator code), whose cookies arrive in the pool file named by
LOAD_POOL: caseworkers upload a recording once and then follow it (their list, its page,
its transcript); supervisors read the recordings shared with them, play them with range
requests and add feedback; the participants of a team session watch together on its live
channel, one presenting. Requests are named by kind ("page ...", "api ...", "media ...",
"upload", "live ..."): bench/load.py reads percentiles per kind from Locust's CSV.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from pathlib import Path
from typing import Any

import gevent
from locust import HttpUser, User, between, events, task
from websocket import create_connection  # websocket-client: Locust's own, gevent-friendly

POOL = json.loads(Path(os.environ["LOAD_POOL"]).read_text())
CSRF_HEADER = "X-CSRF-Token"
RANGE = 256 * 1024  # a player's range request: a quarter of a MiB
_next = {role: itertools.count() for role in ("caseworkers", "supervisors", "live")}


def created(kind: str, ident: object) -> None:
    """What the server said it made, for bench/load.py to find in the database afterwards."""
    if POOL.get("created"):
        with open(POOL["created"], "a") as out:
            out.write(f"{kind} {ident}\n")


def identity(role: str) -> dict[str, Any]:
    """The next account of `role` in the pool: each simulated person is one account."""
    people = POOL[role] if role != "live" else POOL["live"]["people"]
    return dict(people[next(_next[role]) % len(people)])


class Person(HttpUser):
    abstract = True
    wait_time = between(POOL["think"][0], POOL["think"][1])

    def signed_in(self, person: dict[str, Any]) -> None:
        for name, value in person["cookies"].items():
            self.client.cookies.set(name, value)
        self.client.headers[CSRF_HEADER] = person["cookies"]["vs_csrf"]

    def page(self, path: str, name: str) -> None:
        with self.client.get(path, name=f"page {name}", catch_response=True) as answer:
            if answer.status_code != 200 or "<html" not in answer.text[:400].lower():
                answer.failure(f"HTTP {answer.status_code}")


class Caseworker(Person):
    """Uploads one recording (when the run uploads), then follows it."""

    fixed_count = POOL["counts"]["caseworkers"]

    def on_start(self) -> None:
        self.person = identity("caseworkers")
        self.signed_in(self.person)
        self.recording: str | None = self.person.get("recording")
        self.uploaded = not POOL["upload"]

    def upload(self) -> None:
        source = Path(POOL["upload"]["path"])
        fields = {**POOL["upload"]["fields"], "title": f"Belastning {self.person['n']}"}
        with (
            source.open("rb") as body,
            self.client.post(
                "/api/v1/recordings",
                data=fields,
                files={"file": (source.name, body, "audio/wav")},
                name="upload",
                catch_response=True,
            ) as answer,
        ):
            if answer.status_code != 201:
                answer.failure(f"HTTP {answer.status_code}: {answer.text[:200]}")
                return
            self.recording = str(answer.json()["id"])
            created("recording", self.recording)
        self.uploaded = True

    @task
    def work(self) -> None:
        if not self.uploaded:
            self.upload()
            return
        self.page("/recordings", "/recordings")
        if self.recording:
            self.page(f"/recordings/{self.recording}", "/recordings/{id}")
            with self.client.get(
                f"/api/v1/recordings/{self.recording}/transcript",
                name="api transcript",
                catch_response=True,
            ) as answer:
                # Before its first lines a new recording's transcript answers 404 with this
                # code (the page polls it so); anything else is an error.
                if answer.status_code == 404 and "recording.not_ready" in answer.text:
                    answer.success()
                elif answer.status_code != 200:
                    answer.failure(f"HTTP {answer.status_code}")


class Supervisor(Person):
    """Reads the recordings shared with them, plays them and gives feedback."""

    fixed_count = POOL["counts"]["supervisors"]

    def on_start(self) -> None:
        self.person = identity("supervisors")
        self.signed_in(self.person)

    @task(3)
    def read(self) -> None:
        rid = random.choice(self.person["recordings"])
        self.page("/recordings", "/recordings")
        self.page(f"/recordings/{rid}", "/recordings/{id}")
        self.client.get(f"/api/v1/recordings/{rid}/feedback", name="api feedback list")

    @task(2)
    def play(self) -> None:
        rid = random.choice(self.person["recordings"])
        size = int(self.person["sizes"][rid])
        for _ in range(3):  # a player seeks: a few ranges here and there
            start = random.randrange(0, max(1, size - RANGE))
            end = min(size, start + RANGE) - 1
            with self.client.get(
                f"/api/v1/recordings/{rid}/media",
                headers={"Range": f"bytes={start}-{end}"},
                name="media range",
                catch_response=True,
            ) as answer:
                if answer.status_code != 206 or len(answer.content) != end - start + 1:
                    answer.failure(f"HTTP {answer.status_code}, {len(answer.content)} bytes")

    @task(1)
    def give_feedback(self) -> None:
        if not POOL["feedback"]:
            return
        rid = random.choice(self.person["recordings"])
        body = {
            "kind": random.choice(["strength", "development_point", "question"]),
            "start_seconds": round(random.uniform(0, POOL["seconds"] - 1), 1),
            "criterion_ids": [random.choice(POOL["criteria"])],
            "text": "Godt spørgsmål her; prøv at vente lidt længere på svaret.",
            "publish": True,
        }
        with self.client.post(
            f"/api/v1/recordings/{rid}/feedback",
            json=body,
            name="api add feedback",
            catch_response=True,
        ) as answer:
            if answer.status_code != 201:
                answer.failure(f"HTTP {answer.status_code}: {answer.text[:200]}")
            else:
                created("feedback", answer.json()["id"])


class Participant(User):
    """One person of a team session on its live channel. The presenter plays, pauses and
    seeks; everyone pings. Timed: a ping's answer, and how long a state took from the
    server's clock (when the room changed) to this person (one machine: one clock)."""

    fixed_count = POOL["counts"]["live"]
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.person = identity("live")
        cookies = "; ".join(f"{k}={v}" for k, v in self.person["cookies"].items())
        self.url = f"{self.host.replace('http', 'ws', 1)}{POOL['live']['path']}"
        self.ws = create_connection(self.url, header=[f"Cookie: {cookies}"], origin=self.host)
        self.seq = 0
        self.pings: dict[float, float] = {}
        self.reader = gevent.spawn(self.read)

    def on_stop(self) -> None:
        self.reader.kill()
        self.ws.close()

    def fire(self, name: str, ms: float, error: Exception | None = None) -> None:
        events.request.fire(
            request_type="WS",
            name=name,
            response_time=ms,
            response_length=0,
            exception=error,
            context={},
        )

    def read(self) -> None:
        try:
            while True:
                message = json.loads(self.ws.recv())
                now = time.time() * 1000
                if message["type"] == "pong":
                    self.fire("live ping", now - float(message["t0"]))
                elif message["type"] == "state" and message.get("by") is not None:
                    self.fire("live state delivered", now - float(message["server_time"]))
                elif message["type"] == "refused":
                    self.fire("live refused", 0, RuntimeError(message.get("code")))
        except Exception as error:  # the channel closed under us: an error of the run
            self.fire("live channel", 0, error)

    def send(self, kind: str, **fields: Any) -> None:
        self.seq += 1
        self.ws.send(json.dumps({"type": kind, "seq": self.seq, **fields}))

    @task
    def take_part(self) -> None:
        self.send("ping", t0=time.time() * 1000)
        if self.person.get("presenter"):
            kind = random.choice(["play", "pause", "seek"])
            self.send(kind, position=round(random.uniform(0, POOL["seconds"] - 1), 2))
