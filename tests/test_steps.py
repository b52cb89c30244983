"""Progress from step weights: it only moves forward, ends at 1.0, names the stages in order;
the recording's pipeline keeps its stage words and its shares of the bar."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from app.core.labels import LABELS
from app.jobs import service as job_service
from app.media.probe import MediaInfo
from tests.support.jobs import claimed_upload
from tests.support.media import FORMATS, MediaSet
from workers import pipeline
from workers.media import RenditionPlan
from workers.steps import Step, StepProgress, run_steps


@dataclass
class Found:
    """What the first step of a test run finds: how costly the last step will be."""

    big: bool = False


def reporting(fractions: list[float]) -> Callable[[Found, StepProgress], None]:
    """A step that reports these fractions of its own work."""

    def work(found: Found, progress: StepProgress) -> None:
        for fraction in fractions:
            progress(fraction)

    return work


def recorded(steps: list[Step[Found]], found: Found) -> list[tuple[str, float]]:
    reports: list[tuple[str, float]] = []
    run_steps(steps, found, lambda stage, fraction: reports.append((stage, fraction)))
    return reports


def stages(reports: list[tuple[str, float]]) -> list[str]:
    names: list[str] = []
    for name, _ in reports:
        if not names or names[-1] != name:
            names.append(name)
    return names


def starts(reports: list[tuple[str, float]]) -> dict[str, float]:
    seen: dict[str, float] = {}
    for name, fraction in reports:
        seen.setdefault(name, fraction)
    return seen


def test_fixed_weights_give_each_step_its_share_and_end_at_one() -> None:
    steps = [
        Step("first", 1, reporting([0.5, 1.0])),
        Step("skipped", 0, reporting([1.0])),
        Step("second", 3, reporting([0.25, 0.5, 2.0])),  # beyond 1: held at its end
        Step("third", 4, reporting([0.1, 0.9, 1.0])),
    ]
    reports = recorded(steps, Found())
    fractions = [fraction for _, fraction in reports]
    assert fractions == sorted(fractions)
    assert reports[-1] == ("third", 1.0)
    assert stages(reports) == ["first", "second", "third"]
    assert starts(reports) == {"first": 0.0, "second": 1 / 8, "third": 4 / 8}


def test_a_weight_read_after_an_earlier_step_keeps_the_bar_moving_forward() -> None:
    def probe(found: Found, progress: StepProgress) -> None:
        found.big = True  # the last step turns out costly
        progress(1.0)

    steps = [
        Step("probe", 1, probe),
        Step("middle", 5, reporting([0.5, 1.0])),
        Step("costly", lambda found: 20 if found.big else 2, reporting([0.5, 1.0])),
    ]
    reports = recorded(steps, Found())
    fractions = [fraction for _, fraction in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert stages(reports) == ["probe", "middle", "costly"]
    # The probe had its share of the bar as first planned (1 of 8); what was left is shared
    # by the weights as they turned out (5 to 20).
    assert starts(reports)["middle"] == pytest.approx(1 / 8)
    assert starts(reports)["costly"] == pytest.approx(1 / 8 + 7 / 8 * 5 / 25)


def test_the_pipelines_stages_have_words_on_the_status_pages() -> None:
    names = [step.name for step in pipeline.STEPS]
    assert names == ["probe", "audio", "transcribe", "rendition", "poster"]
    assert all(f"stage.{name}" in LABELS["status"] for name in names)


@pytest.mark.parametrize(
    ("has_video", "plan", "expected"),
    [
        # Video transcoded: transcription to 70 %, the rendition to 98 % (as before steps).
        (True, RenditionPlan(copy_original=False), [0.0, 0.01, 0.05, 0.70, 0.98]),
        # Only remuxed, or sound only: transcription to 92 %.
        (True, RenditionPlan(copy_original=False, copy_video=True), [0.0, 0.01, 0.05, 0.92, 0.98]),
        (False, RenditionPlan(copy_original=False), [0.0, 0.01, 0.05, 0.92, 0.98]),
    ],
)
def test_the_pipelines_shares_of_the_bar(
    has_video: bool, plan: RenditionPlan, expected: list[float]
) -> None:
    info = MediaInfo(60.0, {"matroska"}, has_video, "vp8", "opus", 640, 360)

    def found(run: pipeline.RecordingRun, progress: StepProgress) -> None:
        run.info, run.plan = info, plan  # what the probe finds; the other steps do nothing

    run = pipeline.RecordingRun("r", "en", hold=lambda session: None, files=None)  # type: ignore[arg-type]
    steps = [Step(step.name, step.weight, found) for step in pipeline.STEPS]
    reports: list[tuple[str, float]] = []
    run_steps(steps, run, lambda stage, fraction: reports.append((stage, fraction)))
    assert list(starts(reports).values()) == pytest.approx(expected)


def test_the_real_pipeline_reports_its_stages_in_order_and_only_forward(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    """A WebM (VP8/Opus) needs every step: real ffmpeg, real Whisper."""
    created, claim = claimed_upload(client, media.encoded(FORMATS[3]), owner="test")
    reports: list[tuple[str, float]] = []
    pipeline.process(
        recording_id=created["id"],
        report=lambda stage, fraction: reports.append((stage, fraction)),
        hold=lambda session: job_service.hold(session=session, claim=claim),
        tag=claim.tag,
    )
    fractions = [fraction for _, fraction in reports]
    assert fractions == sorted(fractions) and fractions[0] >= 0.0 and fractions[-1] <= 1.0
    assert stages(reports) == ["probe", "audio", "transcribe", "rendition", "poster"]
    assert starts(reports)["rendition"] == pytest.approx(0.70)
