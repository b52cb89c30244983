"""The kinds of job a worker runs: each kind's name → its runner and its subject's follower.

A kind's module registers itself on import (`register`), so a new kind (conversation
analysis, face blurring) is one new module: the worker's loop, the leases and the reaper
look the kind up here and need no change. Modules outside the built-in ones are named in
`SPARRING_WORKER_KIND_MODULES` and imported when the worker starts (`load`).
"""

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlmodel import Session

from app.jobs.service import Claim, JobState

# `report(stage, fraction)`: the job's stage and overall progress (0-1), written on the job
# and its subject; raises LeaseLost once the job is no longer ours.
Progress = Callable[[str, float], None]
# `hold(session)`: raises LeaseLost unless the claim is still ours for this transaction.
Hold = Callable[[Session], None]


@dataclass(frozen=True)
class Work:
    """What a runner is handed: the claim it works under, and how to report and hold it."""

    claim: Claim
    report: Progress
    hold: Hold


class Follower(Protocol):
    """Makes the job's subject (a recording, a clip, …) show the job's new state, in the
    transaction that changed the job."""

    def __call__(self, *, session: Session, state: JobState) -> None: ...


@dataclass(frozen=True)
class Kind:
    name: str  # stored in `Job.kind`
    run: Callable[[Work], None]  # raises PermanentFailure, LeaseLost or anything to retry
    follow: Follower


class UnknownKind(LookupError):
    """No module in this worker registered the kind: it is left for a worker that knows it."""

    def __init__(self, name: str) -> None:
        known = ", ".join(sorted(_registry)) or "none"
        super().__init__(f"no job kind {name!r} in this worker (it knows: {known})")
        self.name = name


_registry: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add a kind; a second kind under a name already taken is refused (a typo'd copy
    would silently replace the first)."""
    if kind.name in _registry and _registry[kind.name] != kind:
        raise ValueError(f"job kind {kind.name!r} is registered twice")
    _registry[kind.name] = kind
    return kind


def get(name: str) -> Kind:
    """The kind registered under `name`; UnknownKind if none is."""
    try:
        return _registry[name]
    except KeyError:
        raise UnknownKind(name) from None


def known() -> frozenset[str]:
    return frozenset(_registry)


def load(modules: Iterable[str]) -> None:
    """Import each module named (each registers its kinds); an empty name is skipped."""
    for module in modules:
        if module.strip():
            importlib.import_module(module.strip())
