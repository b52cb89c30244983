"""`videosparring model check|install|list` (issue 22): a CTranslate2 Whisper folder is
checked step by step and measured on the samples kept with the code; a model is installed
into the data folder only whole and checked, where a setting can name it. Real models:
both bundled ones, and broken copies of the small one."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main as cli
from app.core.config import Settings
from tests.support.speech import word_error_rate as jiwer_word_error_rate
from workers import model_check, speech

ROOT = Path(__file__).resolve().parent.parent


def settings_in(folder: Path, **values: object) -> Settings:
    return Settings(data_dir=folder, whisper_cpu_threads=2, **values)  # type: ignore[arg-type]


def tiny_folder() -> Path:
    return Path(speech.resolve_model(settings_in(Path("/nonexistent")), "bundled-tiny.en"))


def copy_of_tiny(into: Path) -> Path:
    """The small model's files, linked (model.bin is large), in a folder of its own."""
    into.mkdir()
    for file in tiny_folder().iterdir():
        (into / file.name).symlink_to(file)
    return into


def test_word_error_rate_is_the_tests_own() -> None:
    pairs = [
        ("Hej Emma, jeg hedder Sara.", "hej emma jeg hedder sarah"),
        ("Fortæl mig mere om frikvarteret.", "fortæl mere om fri kvarteret i dag"),
        ("Okay.", ""),
        ("I like going to school.", "I like going to school."),
    ]
    for reference, heard in pairs:
        assert model_check.word_error_rate(reference, heard) == pytest.approx(
            jiwer_word_error_rate(reference, heard)
        )


def test_check_of_the_english_model_skips_danish_and_measures_english(tmp_path: Path) -> None:
    said: list[str] = []
    report = model_check.check(settings_in(tmp_path), "bundled-tiny.en", said.append)
    assert not report.multilingual and report.skipped == ["da"]
    assert [h.language for h in report.heard] == ["en"]
    english = report.heard[0]
    assert english.word_error_rate < 0.4 and english.real_time_factor > 0
    assert english.audio_seconds == pytest.approx(23.8, abs=1)
    assert re.search(r"en: WER \d+\.\d%, RTF \d+\.\d+", "\n".join(said))
    assert any("da: sprunget over" in line and "English only" in line for line in said)
    assert report.sha256 == speech.weights_sha256(str(tiny_folder()))


def test_the_command_loads_with_the_compute_type_it_is_given(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cli(["model", "check", "bundled-tiny.en", "--device", "cpu", "--compute-type", "int8_float32"])
    out = capsys.readouterr().out
    assert re.search(r"ok  indlæsning / load: \d+\.\d s, cpu, int8_float32, 2 tråde", out), out
    assert "the model works here" in out


@pytest.mark.slow
def test_the_command_checks_bundled_base_in_both_languages(tmp_path: Path) -> None:
    """The real command, in its own process, as an IT department runs it."""
    env = {**os.environ, "SPARRING_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "model", "check", "bundled-base"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert f"SHA-256 (model.bin): {speech.BASE_SHA256}" in out
    assert "flersproget / multilingual" in out
    rates = dict(re.findall(r"  ok  (da|en): WER (\d+\.\d)%, RTF \d+\.\d+", out))
    assert set(rates) == {"da", "en"}, out
    assert float(rates["en"]) < 30, out  # base hears the English sample well; Danish not
    assert "the model works here" in out


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        ("no model.bin", "model.bin missing"),
        ("config.json not JSON", "config.json: not JSON"),
        ("no tokenizer", "tokenizer.json missing"),
        ("model.bin cut short", "model.bin does not load"),
    ],
)
def test_a_broken_folder_fails_at_its_step_and_says_what_to_do(
    tmp_path: Path, broken: str, expected: str
) -> None:
    folder = copy_of_tiny(tmp_path / "model")
    if broken == "no model.bin":
        (folder / "model.bin").unlink()
    elif broken == "config.json not JSON":
        (folder / "config.json").unlink()
        (folder / "config.json").write_text('{"alignment_heads": [[2, 2]')
    elif broken == "no tokenizer":
        (folder / "tokenizer.json").unlink()
    else:
        (folder / "model.bin").unlink()
        with (tiny_folder() / "model.bin").open("rb") as whole:
            (folder / "model.bin").write_bytes(whole.read(1_000_000))
    with pytest.raises(SystemExit) as ended:
        cli(["model", "check", str(folder)])
    message = str(ended.value.code)
    assert ended.value.code != 0 and "FEJL / FAILED" in message
    assert expected in message, message
    if broken != "model.bin cut short":
        assert "ct2-transformers-converter" in message  # how to make the folder right
    else:
        assert "copied again" in message


def test_install_puts_the_model_where_a_setting_names_it(tmp_path: Path) -> None:
    settings = settings_in(tmp_path / "data")
    said: list[str] = []
    target = model_check.install(settings, tiny_folder(), "tiny-en-test", say=said.append)
    assert target == settings.models_dir / "tiny-en-test"
    assert speech.weights_sha256(str(target)) == speech.weights_sha256(str(tiny_folder()))
    assert 'SPARRING_WHISPER_MODELS="en=tiny-en-test"' in "\n".join(said)

    # A recording in English now gets it by its plain name, as the worker resolves it.
    chosen = settings_in(tmp_path / "data", whisper_models="en=tiny-en-test")
    assert speech.resolve_model(chosen, chosen.whisper_model_for("en")) == str(target)
    listed: list[str] = []
    model_check.list_models(chosen, listed.append)
    assert "en: tiny-en-test" in listed
    assert any(
        "tiny-en-test" in line and speech.weights_sha256(str(target)) in line for line in listed
    )

    with pytest.raises(model_check.CheckFailed, match="--replace"):
        model_check.install(settings, tiny_folder(), "tiny-en-test", say=said.append)
    model_check.install(settings, tiny_folder(), "tiny-en-test", replace=True, say=said.append)
    assert sorted(p.name for p in settings.models_dir.iterdir()) == ["tiny-en-test"]


@pytest.mark.parametrize("name", ["../outside", "Tiny", "large-v3", "bundled-base", "hub", ""])
def test_an_install_refused_for_its_name_leaves_nothing(tmp_path: Path, name: str) -> None:
    settings = settings_in(tmp_path / "data")
    with pytest.raises(model_check.CheckFailed, match="cannot be a model's name"):
        model_check.install(settings, tiny_folder(), name, say=lambda line: None)
    assert not settings.models_dir.exists()
    assert not (tmp_path / "outside").exists()


def test_an_install_that_fails_its_check_leaves_nothing(tmp_path: Path) -> None:
    settings = settings_in(tmp_path / "data")
    source = copy_of_tiny(tmp_path / "source")
    (source / "tokenizer.json").unlink()
    with pytest.raises(SystemExit) as ended:
        cli(["model", "install", str(source), "--name", "half-model"])
    assert "tokenizer.json missing" in str(ended.value.code)
    with pytest.raises(model_check.CheckFailed, match="tokenizer.json missing"):
        model_check.install(settings, source, "half-model", say=lambda line: None)
    assert not settings.models_dir.exists() or not list(settings.models_dir.iterdir())
    shutil.rmtree(source)
