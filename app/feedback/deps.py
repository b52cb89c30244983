"""Feedback targets for the routes: `here(resolve)` makes the dependency that gives a route
`Here` (who, which target, which transaction), the target resolved by `resolve` through the
access rule; `recording_target` resolves the recording's own feedback."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends

from app.access import policy
from app.accounts.deps import CurrentSubject
from app.core.db import SessionDep
from app.feedback.targets import Here, Target


def recording_target(recording_id: str, session: SessionDep, subject: CurrentSubject) -> Target:
    """The recording's own feedback (404 if the reader may not see it)."""
    return Target.of_recording(policy.recording(session, subject, recording_id))


def here(resolve: Callable[..., Target]) -> Callable[..., Here]:
    """The dependency that gives a route `Here`, its target found by `resolve` (which takes
    the route's path parameters)."""

    def resolved(
        target: Annotated[Target, Depends(resolve)], session: SessionDep, subject: CurrentSubject
    ) -> Here:
        return Here(session, subject, target)

    return resolved


OnRecording = Annotated[Here, Depends(here(recording_target))]
