"""The conversation's analysis (`analyse_conversation` jobs): who speaks when, told apart
from the recording's audio once, then each line of the current transcript given its voice
and, where an adult speaks, its question type (app/insight). Queued after each
transcription, and again when a person changes the words: then only the labelling runs."""

from sqlmodel import Session

from app.core.db import session_scope
from app.insight import service as insight
from app.insight.models import VoiceRole
from app.jobs.models import ANALYSE_CONVERSATION
from app.recordings.models import Recording
from app.recordings.storage import AUDIO
from app.transcripts import service as transcripts
from workers import kinds
from workers.failures import PermanentFailure
from workers.kinds import Work
from workers.pipeline import MediaWork
from workers.steps import Step, StepProgress, run_steps


class AnalysisRun:
    def __init__(self, work: Work, files: MediaWork) -> None:
        self.work, self.files = work, files
        self.recording_id = work.claim.recording_id
        with session_scope() as session:  # who speaks is heard once per recording
            found = insight.analysis(session=session, recording_id=self.recording_id)
        self.separated = found is not None

    def hold(self, session: Session) -> None:
        self.work.hold(session)
        if session.get(Recording, self.recording_id) is None:
            raise PermanentFailure("failure.deleted")


def _separate(run: AnalysisRun, progress: StepProgress) -> None:
    """Who speaks when: from the audio, once per recording (the words do not change it)."""
    if run.separated:
        return
    from workers import voices  # numpy's features: loaded by the worker that needs them

    try:
        found = voices.separate_file(run.files.input(AUDIO), progress=progress)
    except FileNotFoundError as exc:  # the recording went while it was analysed
        raise PermanentFailure("failure.deleted") from exc
    with session_scope() as session:
        run.hold(session)
        insight.store_voices(
            session=session,
            recording_id=run.recording_id,
            voices=[
                insight.FoundVoice(v.number, VoiceRole(v.role), v.pitch_hz, v.seconds)
                for v in found.voices
            ],
            turns=[(t.start, t.end, t.voice) for t in found.turns],
        )


def _label(run: AnalysisRun, progress: StepProgress) -> None:
    """Each line of the current transcript: its voice, and the adult's question types."""
    with session_scope() as session:
        run.hold(session)
        transcript = transcripts.get(session=session, recording_id=run.recording_id)
        if transcript is not None:
            insight.label(session=session, recording_id=run.recording_id, transcript=transcript)


STEPS: list[Step[AnalysisRun]] = [
    Step("voices", lambda run: 0 if run.separated else 9, _separate),
    Step("questions", 1, _label),
]


def _run_job(work: Work) -> None:
    with MediaWork.of(work.claim.recording_id, work.claim.tag, clean_stale=False) as files:
        run_steps(STEPS, AnalysisRun(work, files), work.report)


kinds.register(kinds.Kind(ANALYSE_CONVERSATION, run=_run_job, follow=insight.follow))
