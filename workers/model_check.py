"""`videosparring model check|install|list`: is a CTranslate2 Whisper folder whole, does it
load here, and how well and how fast does it hear the samples kept with the code.

The samples go through the worker's own engine (FasterWhisperEngine: the batched pipeline
and its options as the settings give them), so the figures are what a recording would get.
"""

import json
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.core.config import Settings, parse_language_models
from workers import speech

SAMPLES = Path(__file__).with_name("speech_samples")
SAMPLE_LANGUAGES = ("da", "en")
# Names an installed model may not take: the data folder's own, and those that mean
# something else where a model is named.
RESERVED = {"hub", "whisper-base", "bundled-base", "bundled-tiny.en"}
MODEL_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
CONVERT = (
    "convert it again: ct2-transformers-converter --model <hf-model> --output_dir <folder> "
    "--quantization int8 --copy_files tokenizer.json preprocessor_config.json"
)

Say = Callable[[str], None]


class CheckFailed(Exception):
    """A step of the check failed; the message says what to do."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(f"{step}: {message}")
        self.step = step


@dataclass
class Heard:
    language: str
    word_error_rate: float
    real_time_factor: float
    seconds: float
    audio_seconds: float
    text: str


@dataclass
class Report:
    folder: Path
    sha256: str
    multilingual: bool
    load_seconds: float
    heard: list[Heard] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def normalise(text: str) -> str:
    """Lower case, punctuation out (as the tests' word error rate does)."""
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / words in the reference."""
    ref, hyp = normalise(reference).split(), normalise(hypothesis).split()
    if not ref:
        return float(bool(hyp))
    previous = list(range(len(hyp) + 1))  # edit distances to a growing prefix of ref
    for i, word in enumerate(ref, 1):
        current = [i]
        for j, heard in enumerate(hyp, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != heard))
            )
        previous = current
    return previous[-1] / len(ref)


def check(settings: Settings, name: str, say: Say = print) -> Report:
    """Each step in turn, said as it passes; the first that fails raises CheckFailed."""
    folder = _folder(settings, name)
    say(f"Model: {name}" + ("" if name == str(folder) else f" ({folder})"))
    _files(folder, say)
    _config(folder, say)
    _tokenizer(folder, say)
    engine = speech.FasterWhisperEngine(settings, str(folder))
    try:
        report = _load(settings, engine, folder, say)
        for language in SAMPLE_LANGUAGES:
            if language != "en" and not report.multilingual:
                report.skipped.append(language)
                say(f"  --  {language}: sprunget over, kun engelsk / skipped, English only")
                continue
            report.heard.append(_hear(engine, language, say))
    finally:
        engine.release()
    say("Resultat / result: modellen virker her / the model works here")
    return report


def _folder(settings: Settings, name: str) -> Path:
    try:
        ref = speech.resolve_model(settings, name)
    except speech.ModelUnavailable as exc:
        if Path(name).expanduser().is_dir():
            return Path(name).expanduser()  # as it is: the files step says what it lacks
        raise CheckFailed("mappe / folder", str(exc)) from exc
    if not Path(ref).is_dir():
        raise CheckFailed(
            "mappe / folder",
            f"'{name}' is not a model folder here: give a CTranslate2 folder's path, "
            "bundled-base, bundled-tiny.en or an installed model's name (videosparring model "
            "list).",
        )
    return Path(ref)


def _files(folder: Path, say: Say) -> None:
    step = "filer / files"
    missing = [n for n in ("model.bin", "config.json") if not (folder / n).is_file()]
    if missing:
        raise CheckFailed(step, f"{', '.join(missing)} missing in {folder}: {CONVERT}")
    if not (folder / "tokenizer.json").is_file():
        raise CheckFailed(
            step,
            "tokenizer.json missing (without it faster-whisper fetches a tokenizer from the "
            f"internet, and may fetch the wrong one): {CONVERT}",
        )
    vocabulary = sorted(p.name for p in folder.glob("vocabulary.*"))
    if not vocabulary:
        raise CheckFailed(step, f"no vocabulary.json or vocabulary.txt: {CONVERT}")
    size = (folder / "model.bin").stat().st_size
    names = f"config.json, tokenizer.json, {vocabulary[0]}"
    say(f"  ok  {step}: model.bin ({size / 1e6:.1f} MB), {names}")


def _config(folder: Path, say: Say) -> None:
    step = "config.json"
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise CheckFailed(step, f"not JSON ({exc}): copy the folder again, or {CONVERT}") from exc
    if not isinstance(config, dict) or not {"alignment_heads", "lang_ids"} <= config.keys():
        raise CheckFailed(
            step,
            "not a Whisper model's (no alignment_heads and lang_ids): is this a CTranslate2 "
            "conversion of a Whisper model?",
        )
    say(f"  ok  {step}: Whisper ({len(config['lang_ids'])} sprog-id'er / language ids)")


def _tokenizer(folder: Path, say: Say) -> None:
    import tokenizers

    step = "tokenizer"
    try:
        tokenizer = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
    except Exception as exc:  # the tokenizers library raises its own kinds
        raise CheckFailed(step, f"tokenizer.json does not load ({exc}): {CONVERT}") from exc
    if tokenizer.token_to_id("<|startoftranscript|>") is None:
        raise CheckFailed(step, f"tokenizer.json is not a Whisper tokenizer: {CONVERT}")
    say(f"  ok  {step}: tokenizer.json ({tokenizer.get_vocab_size()} tokens)")


def _load(settings: Settings, engine: speech.FasterWhisperEngine, folder: Path, say: Say) -> Report:
    from faster_whisper.vad import get_vad_model

    step = "indlæsning / load"
    started = time.perf_counter()
    try:
        engine.load()
    except speech.ModelUnavailable as exc:
        raise CheckFailed(
            step,
            f"model.bin does not load with {settings.whisper_device} / "
            f"{settings.whisper_compute_type} ({exc.__cause__ or exc}): a file cut short in "
            "copying must be copied again; otherwise try another --device or --compute-type.",
        ) from exc
    seconds = time.perf_counter() - started
    get_vad_model()  # loaded here, so the first sample's time is the model's own
    whisper = engine.whisper
    bands = whisper.feature_extractor.mel_filters.shape[0]
    if whisper.model.n_mels != bands:
        raise CheckFailed(
            step,
            f"the model hears {whisper.model.n_mels} mel bands, the folder's settings give "
            f"{bands}: preprocessor_config.json is missing or wrong; {CONVERT}",
        )
    threads = settings.whisper_cpu_threads or os.cpu_count()
    pipeline = (
        f"batched, {settings.whisper_batch_size} clips, beam {settings.whisper_batched_beam_size}"
        if settings.whisper_batch_size
        else f"sequential, beam {settings.whisper_beam_size}"
    )
    say(
        f"  ok  {step}: {seconds:.1f} s, {settings.whisper_device}, "
        f"{settings.whisper_compute_type}, {threads} tråde / threads, {pipeline}"
    )
    multilingual = bool(whisper.model.is_multilingual)
    languages = "flersproget / multilingual" if multilingual else "kun engelsk / English only"
    say(f"  ok  sprog / languages: {languages}")
    digest = speech.weights_sha256(str(folder)) or ""
    say(f"  ok  SHA-256 (model.bin): {digest}")
    return Report(folder=folder, sha256=digest, multilingual=multilingual, load_seconds=seconds)


def _hear(engine: speech.FasterWhisperEngine, language: str, say: Say) -> Heard:
    from faster_whisper import decode_audio

    audio = SAMPLES / f"{language}.opus"
    reference = (SAMPLES / f"{language}.txt").read_text(encoding="utf-8")
    audio_seconds = (
        len(decode_audio(str(audio), sampling_rate=speech.SAMPLE_RATE)) / speech.SAMPLE_RATE
    )
    started = time.perf_counter()
    try:
        text = " ".join(s.text for s in engine.transcribe(audio, language))
    except Exception as exc:  # what the model raises mid-run, said in words
        raise CheckFailed(language, f"the transcription failed ({exc})") from exc
    seconds = time.perf_counter() - started
    heard = Heard(
        language=language,
        word_error_rate=word_error_rate(reference, text),
        real_time_factor=seconds / audio_seconds,
        seconds=seconds,
        audio_seconds=audio_seconds,
        text=text,
    )
    say(
        f"  ok  {language}: WER {heard.word_error_rate:.1%}, RTF {heard.real_time_factor:.3f} "
        f"({seconds:.1f} s for {audio_seconds:.1f} s lyd / audio)"
    )
    say(f"      hørt / heard: {text}")
    return heard


def install(
    settings: Settings, source: Path, name: str, replace: bool = False, say: Say = print
) -> Path:
    """Check `source`, then copy it to `<models_dir>/<name>` whole or not at all."""
    step = "installation"
    if not MODEL_NAME.match(name) or name in RESERVED or name in _size_names():
        raise CheckFailed(
            step,
            f"'{name}' cannot be a model's name: use lower-case letters, digits, '.', '-' "
            "and '_' (e.g. hviske-v2-int8), not bundled-… or a faster-whisper size name.",
        )
    target = settings.models_dir / name
    if target.exists() and not replace:
        raise CheckFailed(step, f"a model named '{name}' is installed: add --replace.")
    if not source.is_dir():
        raise CheckFailed(step, f"{source} is not a folder.")
    report = check(settings, str(source.resolve()), say)
    temporary = settings.models_dir / f".install-{name}-{os.getpid()}"
    replaced = settings.models_dir / f".replaced-{name}-{os.getpid()}"
    try:
        shutil.copytree(source, temporary)
        if speech.weights_sha256(str(temporary)) != report.sha256:
            raise CheckFailed(step, "the copy's model.bin differs from the source's: try again.")
        if target.exists():
            target.rename(replaced)
        try:
            temporary.rename(target)
        except OSError:
            if replaced.exists():  # the model that was there stays
                replaced.rename(target)
            raise
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
        shutil.rmtree(replaced, ignore_errors=True)
    language = "da" if report.multilingual else "en"
    mapping = {**parse_language_models(settings.whisper_models), language: name}
    setting = ",".join(f"{lang}={model}" for lang, model in sorted(mapping.items()))
    say(f"Installeret / installed: {target}")
    say(f'Sæt / set SPARRING_WHISPER_MODELS="{setting}" og genstart / and restart the worker.')
    return target


def list_models(settings: Settings, say: Say = print) -> None:
    """The model each language gets, and the models installed in the data folder."""
    for language, name in sorted(parse_language_models(settings.whisper_models).items()):
        say(f"{language}: {name}")
    say(f"(andre sprog / other languages): {settings.whisper_model}")
    folders = sorted(settings.models_dir.glob("*/model.bin"))
    say("Installeret / installed:" if folders else "Ingen installeret / none installed")
    for weights in folders:
        folder = weights.parent
        if folder.name.startswith("."):
            continue
        label = "bundled-base" if folder.name == "whisper-base" else folder.name
        say(f"  {label}  {speech.weights_sha256(str(folder))}  {folder}")


def _size_names() -> set[str]:
    from faster_whisper.utils import available_models

    return set(available_models())
