"""The registry, the request timer (an ASGI middleware: the route's template, never its
path, so no id reaches a label) and the collector that reads the state at each scrape."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlmodel import col, select

from app.audit.service import writer_lag
from app.core.db import session_scope
from app.core.timeutil import utcnow
from app.jobs import presence
from app.jobs.models import PROCESS_RECORDING, Job, JobStatus
from app.recordings.models import Recording
from app.uploads.models import ResumableUpload

REGISTRY = CollectorRegistry(auto_describe=True)
RECENT_SECONDS = 3600  # the window of finished jobs' counts, durations and speed
QUANTILES = (0.5, 0.95)
HTTP_SECONDS = Histogram(
    "videosparring_http_request_duration_seconds",
    "Time to answer a request, by method, route template and status class.",
    ["method", "route", "status"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


def observe(method: str, route: str, status: int, seconds: float) -> None:
    """A request answered (app.core.requests tells): by its route's template, never its
    path, so a recording's id or a search word never becomes a label."""
    HTTP_SECONDS.labels(method, route, f"{status // 100}xx").observe(seconds)


def _naive(moment: Any) -> Any:
    return moment.replace(tzinfo=None) if getattr(moment, "tzinfo", None) else moment


class StateCollector(Collector):
    """What the database says at scrape time: the same on every app process and worker
    machine, so one scrape of any app process tells the whole installation's queue."""

    def collect(self) -> Iterator[Metric]:
        jobs = GaugeMetricFamily(
            "videosparring_jobs", "Jobs by kind and state.", labels=["kind", "status"]
        )
        oldest = GaugeMetricFamily(
            "videosparring_job_oldest_queued_seconds",
            "How long the oldest queued job of each kind has waited.",
            labels=["kind"],
        )
        workers = GaugeMetricFamily(
            "videosparring_workers_live", "Live workers offering each model.", labels=["model"]
        )
        uploads = GaugeMetricFamily(
            "videosparring_uploads_in_progress", "Resumable uploads begun and not finished."
        )
        failed = GaugeMetricFamily(
            "videosparring_scrape_failed", "1 when the database could not be read."
        )
        try:
            with session_scope() as session:
                counts = session.exec(
                    select(Job.kind, Job.status, func.count()).group_by(
                        col(Job.kind), col(Job.status)
                    )
                ).all()
                waiting = session.exec(
                    select(Job.kind, func.min(Job.created_at))
                    .where(col(Job.status) == JobStatus.queued)
                    .group_by(col(Job.kind))
                ).all()
                live = presence.live(session=session)
                since = utcnow() - timedelta(seconds=RECENT_SECONDS)
                finished = session.exec(
                    select(  # type: ignore[call-overload]
                        Job.kind,
                        Job.model,
                        Job.status,
                        Job.started_at,
                        Job.finished_at,
                        Recording.duration_seconds,
                    )
                    .join(Recording, col(Recording.id) == Job.recording_id)
                    .where(col(Job.finished_at) >= since)
                ).all()
                open_uploads = session.exec(
                    select(func.count())
                    .select_from(ResumableUpload)
                    .where(col(ResumableUpload.finished_at).is_(None))
                ).one()
        except Exception:  # the scrape still answers: the failure is a metric
            failed.add_metric([], 1)
            yield failed
            return
        now = _naive(utcnow())
        for kind, status, count in counts:
            jobs.add_metric([kind, str(status)], count)
        for kind, created in waiting:
            oldest.add_metric([kind], max(0.0, (now - _naive(created)).total_seconds()))
        by_model: dict[str, int] = {}
        for offer in live:
            for model in offer.models:
                by_model[model] = by_model.get(model, 0) + 1
        for model, count in by_model.items():
            workers.add_metric([model], count)
        uploads.add_metric([], open_uploads)
        failed.add_metric([], 0)
        yield from (jobs, oldest, workers, uploads, failed)
        yield from _recent(finished, now)


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _recent(rows: Any, now: Any) -> Iterator[Metric]:
    """The jobs finished in the last RECENT_SECONDS: how many per kind, model and outcome;
    the median and 95th percentile of the last attempt's duration; and, for transcription,
    the real-time factor (seconds of work per second of recording: under 1 keeps up)."""
    counted = GaugeMetricFamily(
        "videosparring_jobs_finished_recent",
        f"Jobs finished in the last {RECENT_SECONDS} s, by kind, model and outcome.",
        labels=["kind", "model", "status"],
    )
    durations = GaugeMetricFamily(
        "videosparring_job_duration_seconds_recent",
        f"The last attempt's duration of jobs that succeeded in the last {RECENT_SECONDS} s.",
        labels=["kind", "model", "quantile"],
    )
    factors = GaugeMetricFamily(
        "videosparring_transcription_realtime_factor",
        f"Seconds of work per second of recording, transcriptions of the last {RECENT_SECONDS} s.",
        labels=["model", "quantile"],
    )
    counts: dict[tuple[str, str, str], int] = {}
    took: dict[tuple[str, str], list[float]] = {}
    rtf: dict[str, list[float]] = {}
    for kind, model, status, started, finished, media_seconds in rows:
        model = model or "none"
        key = (kind, model, str(status))
        counts[key] = counts.get(key, 0) + 1
        if status != JobStatus.succeeded or started is None or finished is None:
            continue
        seconds = max(0.0, (_naive(finished) - _naive(started)).total_seconds())
        took.setdefault((kind, model), []).append(seconds)
        if kind == PROCESS_RECORDING and media_seconds:
            rtf.setdefault(model, []).append(seconds / media_seconds)
    for key, count in counts.items():
        counted.add_metric(list(key), count)
    for (kind, model), values in took.items():
        for q in QUANTILES:
            durations.add_metric([kind, model, str(q)], _quantile(values, q))
    for model, values in rtf.items():
        for q in QUANTILES:
            factors.add_metric([model, str(q)], _quantile(values, q))
    yield from (counted, durations, factors)


class AuditCollector(Collector):
    """The audit writer's lag in this process: entries are written before the answer goes
    out, one writer at a time, so its lag is every audited request's lag."""

    def collect(self) -> Iterator[Metric]:
        waiting, written, recent = writer_lag.snapshot()
        lag = GaugeMetricFamily(
            "videosparring_audit_writer_lag_seconds",
            "Time from asking for an audit entry to its commit, last 1000 entries.",
            labels=["quantile"],
        )
        for q in QUANTILES:
            if recent:
                lag.add_metric([str(q)], _quantile(recent, q))
        queue = GaugeMetricFamily(
            "videosparring_audit_writer_waiting", "Audit entries waiting for the writer now."
        )
        queue.add_metric([], waiting)
        total = CounterMetricFamily(
            "videosparring_audit_entries_written", "Audit entries this process has written."
        )
        total.add_metric([], written)
        yield from (lag, queue, total)


class LiveCollector(Collector):
    """This process's live rooms and the connections in them."""

    def collect(self) -> Iterator[Metric]:
        from app.live.hub import default_hub

        local = default_hub().local
        rooms = GaugeMetricFamily("videosparring_live_rooms", "Live rooms this process serves.")
        people = GaugeMetricFamily(
            "videosparring_live_connections", "Live connections this process serves."
        )
        rooms.add_metric([], len([r for r in local.values() if r]))
        people.add_metric([], sum(len(r) for r in local.values()))
        yield rooms
        yield people


REGISTRY.register(StateCollector())
REGISTRY.register(LiveCollector())
REGISTRY.register(AuditCollector())
