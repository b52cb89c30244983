"""A job's work as an ordered list of named steps, each with a weight: the progress bar
moves by the weights, so no step places fractions of the bar by hand.

A weight may depend on what earlier steps found (the probe decides whether a rendition is
needed and how costly it is), so it is read when its turn comes: each step gets its weight's
share of what is left of the bar when it starts. With fixed weights this is the plain share
of the total; either way the bar only moves forward and the last step ends at 1.0.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from workers.kinds import Progress

Context = TypeVar("Context")
# A step's own progress, 0-1; the bar shows it within the step's share.
StepProgress = Callable[[float], None]


@dataclass(frozen=True)
class Step(Generic[Context]):
    # The stage stored on the job: the status pages show its words (`stage.<name>` in
    # app/core/labels.py), so a new name needs words in the catalogs.
    name: str
    # Relative to the other steps; 0 skips the step (nothing to do for this input).
    weight: float | Callable[[Context], float]
    run: Callable[[Context, StepProgress], None]

    def weight_for(self, context: Context) -> float:
        return self.weight(context) if callable(self.weight) else self.weight


def run_steps(steps: Sequence[Step[Context]], context: Context, report: Progress) -> None:
    """Run each step with a non-zero weight in order, reporting `(name, overall progress)`
    at its start and whenever it reports its own progress."""
    done = 0.0
    for index, step in enumerate(steps):
        weight = step.weight_for(context)
        if weight <= 0:
            continue
        left = sum(later.weight_for(context) for later in steps[index:])
        start = done
        # The last step to run takes the rest exactly: the bar ends at 1.0, not 0.9999….
        share = (1.0 - start) * weight / left if left > weight else 1.0 - start

        def within(
            fraction: float, name: str = step.name, start: float = start, share: float = share
        ) -> None:
            report(name, start + share * min(max(fraction, 0.0), 1.0))

        within(0.0)
        step.run(context, within)
        done = start + share
