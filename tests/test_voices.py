"""Who speaks (workers.voices): the voices of the test dialogues found, each speaker's time
labelled with the right voice, adult and child told apart; and the numpy parts alone.

The dialogues (tests/data/dialogues, made by make_dialogues.py) are synthetic but hard: two
adults of the same pitch, two children, overlapping turns, noise at 10 dB SNR.
"""

import numpy as np
import pytest

from tests.support.speaker_scoring import DIALOGUES, NAMES, VALIDATION, looped, score, truth_of
from workers import voices
from workers.voice_features import SAMPLE_RATE, frame_features, mel_filterbank, yin_pitch

MIN_ACCURACY = 0.90


@pytest.mark.parametrize("name", NAMES)
def test_each_speakers_time_goes_to_their_own_voice(name: str) -> None:
    truth = truth_of(name)
    fractions: list[float] = []
    result = voices.separate_file(DIALOGUES / f"{name}.opus", progress=fractions.append)
    found = score(truth, result)
    assert found.accuracy >= MIN_ACCURACY, (name, found)
    assert found.voices_found == found.speakers, (name, found)
    assert found.roles_right == found.speakers, (name, found, result.voices)
    assert fractions and fractions[-1] == 1.0 and fractions == sorted(fractions)


@pytest.mark.parametrize("name", VALIDATION)
def test_validation_dialogues_never_tuned_on(name: str) -> None:
    result = voices.separate_file(DIALOGUES / f"{name}.opus")
    found = score(truth_of(name), result)
    assert found.accuracy >= MIN_ACCURACY, (name, found)
    assert found.voices_found == found.speakers, (name, found)
    assert found.roles_right == found.speakers, (name, found, result.voices)


@pytest.mark.parametrize(
    ("name", "speakers"),
    [("two_adults_similar_pitch", 3), ("three_speakers", 3), ("overlapping_speech", 2)],
)
def test_ten_minutes_keep_their_voices_apart(name: str, speakers: int) -> None:
    """A long recording (a dialogue looped to 10 minutes): the same voices as in the short
    one, not a word repeated taken for a voice of its own (three_speakers: both a child and
    the caseworker say "Hej"), nor an adult and a child whose turns overlap taken as one."""
    from faster_whisper import decode_audio

    audio = decode_audio(str(DIALOGUES / f"{name}.opus"), sampling_rate=SAMPLE_RATE)
    once = voices.detect_speech(audio)  # the VAD once, not on 10 minutes: the test stays fast
    length = len(audio) / SAMPLE_RATE
    ten, truth = looped(audio, truth_of(name), 600.0, SAMPLE_RATE)
    loops = int(np.ceil(600.0 / length))
    speech = [(a + i * length, b + i * length) for i in range(loops) for a, b in once]
    result = voices.separate(ten, speech=[(a, min(b, 600.0)) for a, b in speech if a < 600.0])
    found = score(truth, result)
    assert found.accuracy >= MIN_ACCURACY, found
    assert found.voices_found == found.speakers == speakers, found
    assert found.roles_right == found.speakers, (found, result.voices)


def test_turns_are_ordered_apart_and_numbered_by_first_appearance() -> None:
    result = voices.separate_file(DIALOGUES / "three_speakers.opus")
    starts = [t.start for t in result.turns]
    assert starts == sorted(starts)
    assert all(a.end <= b.start for a, b in zip(result.turns, result.turns[1:], strict=False))
    assert all(t.end > t.start for t in result.turns)
    first_seen = list(dict.fromkeys(t.voice for t in result.turns))
    assert first_seen == [v.number for v in result.voices] == [1, 2, 3]
    for voice in result.voices:
        spoken = sum(t.end - t.start for t in result.turns if t.voice == voice.number)
        assert voice.seconds == pytest.approx(spoken, abs=0.02)


def test_given_speech_intervals_are_used_instead_of_the_vad() -> None:
    from faster_whisper import decode_audio

    audio = decode_audio(str(DIALOGUES / "caseworker_child.opus"), sampling_rate=SAMPLE_RATE)
    truth = truth_of("caseworker_child")
    speech = [(s["start"], s["end"]) for s in truth["speech"]]
    result = voices.separate(audio, speech=speech)
    assert score(truth, result).accuracy >= MIN_ACCURACY
    first, last = min(s for s, _ in speech), max(e for _, e in speech)
    assert all(first - 0.01 <= t.start and t.end <= last + 0.01 for t in result.turns)


@pytest.mark.parametrize("seconds", [0.0, 0.01, 0.2, 5.0])
def test_silence_and_very_short_audio_have_no_voices(seconds: float) -> None:
    audio = np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)
    result = voices.separate(audio)
    assert result.voices == [] and result.turns == []


def test_noise_alone_is_no_voice() -> None:
    audio = np.random.default_rng(1).normal(0, 0.01, 10 * SAMPLE_RATE).astype(np.float32)
    assert voices.separate(audio).voices == []


def test_other_sample_rates_are_refused() -> None:
    with pytest.raises(ValueError):
        voices.separate(np.zeros(8000, dtype=np.float32), sample_rate=8000)


@pytest.mark.parametrize("hz", [95.0, 140.0, 210.0, 280.0, 350.0])
def test_yin_finds_the_pitch_of_a_voiced_tone(hz: float) -> None:
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    # A tone with harmonics, the fundamental not the loudest: as in a voice.
    tone = sum(amp * np.sin(2 * np.pi * hz * k * t) for k, amp in ((1, 0.3), (2, 0.5), (3, 0.4)))
    pitch = frame_features(tone.astype(np.float32)).pitch_hz
    assert np.isnan(pitch).mean() < 0.1
    assert np.nanmedian(pitch) == pytest.approx(hz, rel=0.01)


def test_noise_and_silence_are_unvoiced() -> None:
    noise = np.random.default_rng(2).normal(0, 0.1, (50, 640)).astype(np.float32)
    assert np.isnan(yin_pitch(noise)).mean() > 0.9
    assert np.isnan(yin_pitch(np.zeros((5, 640), dtype=np.float32))).all()


def test_mel_filters_cover_the_band_in_order() -> None:
    filters = mel_filterbank()
    peaks = filters.argmax(axis=1)
    assert (np.diff(peaks) >= 0).all() and filters.max() <= 1.0
    assert (filters.sum(axis=1) > 0).all()


def test_one_word_said_by_an_adult_and_a_child_is_two_pitches() -> None:
    rng = np.random.default_rng(3)
    adult = np.log(105.0) + rng.normal(0, 0.08, 300)
    child = np.log(260.0) + rng.normal(0, 0.08, 200)
    assert voices.two_pitches(np.concatenate([adult, child]))
    # One voice's intonation, with a few octave errors of the pitch tracker, is one.
    one = np.concatenate([np.log(200.0) + rng.normal(0, 0.15, 500), np.log(100.0) + np.zeros(40)])
    assert not voices.two_pitches(one)
