"""Make the test dialogues for `workers.voices`: Danish caseworker/child conversations.

Run once from the repository root (needs espeak-ng and ffmpeg); the outputs are committed:

    .venv/bin/python tests/data/dialogues/make_dialogues.py

Each dialogue is `<name>.opus` (16 kHz mono, 24 kbit/s; the long ones 12 kbit/s) and
`<name>.json`, the ground truth: every utterance (start, end, speaker, role, text) and
`speech`, the stretches where each speaker is actually heard (an utterance less its pauses;
what the tests score).

The voices are meant to be hard to tell apart, not one low and one high robot: espeak-ng
variants with their own formants, pitch moved with `-p`, children made by raising pitch
and formants together (a shorter vocal tract: resampling), adults given another vocal
tract by shifting formants alone (resampling, then the pitch put back by rubberband), each
speaker their own microphone colour, and everyone in the same room (echoes). One file has
two adults of nearly the same pitch, one two children, one overlapping turns and
back-channels, one noise at 10 dB SNR.

The last three (`VALIDATION`) are for checking `workers.voices`, never for tuning it: other
espeak-ng voices, other texts and seeds, several minutes long (their lines drawn from the
pools below), and an adult woman who speaks as high as a child.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RATE = 16000
ESPEAK_RATE = 22050
SEED = 20240611


@dataclass(frozen=True)
class Speaker:
    role: str  # "adult" | "child"
    voice: str  # espeak-ng voice+variant
    pitch: int  # espeak-ng -p, 0..99
    speed: int  # words per minute
    scale: float = 1.0  # vocal tract: formants times this (children > 1)
    raise_pitch: bool = False  # children: pitch rises with the formants (resampling)
    colour: str = ""  # ffmpeg filters: this speaker's microphone and distance


ROOM = "aecho=0.8:0.6:23|41:0.22|0.12"  # a small office: two early reflections
MICROPHONE = "highpass=f=90,lowpass=f=7200"  # what every recording passes through


def speaker_filter(speaker: Speaker) -> str:
    steps = []
    if speaker.scale != 1.0:
        steps.append(f"asetrate={ESPEAK_RATE * speaker.scale:.0f},aresample={ESPEAK_RATE}")
        if not speaker.raise_pitch:
            steps.append(f"rubberband=pitch={1 / speaker.scale:.4f}:formant=preserved")
        steps.append(f"atempo={1 / speaker.scale:.4f}")
    if speaker.colour:
        steps.append(speaker.colour)
    steps += [ROOM, MICROPHONE, f"aresample={RATE}"]
    return ",".join(steps)


def speak(speaker: Speaker, text: str, work: Path) -> np.ndarray:
    raw, done = work / "raw.wav", work / "done.raw"
    subprocess.run(
        ["espeak-ng", "-v", speaker.voice, "-p", str(speaker.pitch), "-s", str(speaker.speed)]
        + ["-w", str(raw), text],
        check=True,
    )
    subprocess.run(
        ["ffmpeg", "-y", "-loglevel", "error", "-i", str(raw), "-af", speaker_filter(speaker)]
        + ["-ac", "1", "-ar", str(RATE), "-f", "f32le", str(done)],
        check=True,
    )
    audio = np.fromfile(done, dtype=np.float32)
    return audio / (np.abs(audio).max() + 1e-9) * 0.5


def heard_stretches(audio: np.ndarray, gap_s: float = 0.25) -> list[tuple[float, float]]:
    """Where an utterance is audible: 10 ms frames within 35 dB of its loudest, with pauses
    shorter than `gap_s` (between syllables) filled in."""
    hop = RATE // 100
    frames = audio[: len(audio) // hop * hop].reshape(-1, hop)
    level = 10 * np.log10((frames**2).mean(axis=1) + 1e-12)
    active = level > level.max() - 35
    stretches: list[list[float]] = []
    for i in np.flatnonzero(active):
        start, end = i / 100, (i + 1) / 100
        if stretches and start - stretches[-1][1] < gap_s:
            stretches[-1][1] = end
        else:
            stretches.append([start, end])
    return [(a, b) for a, b in stretches]


def coloured_noise(n: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Noise with power falling as 1/f**exponent (1: pink, 2: brown)."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    spectrum[1:] /= freqs[1:] ** (exponent / 2)
    spectrum[0] = 0
    noise = np.fft.irfft(spectrum, n)
    return noise / noise.std()


@dataclass(frozen=True)
class Line:
    speaker: str
    text: str
    gap: float | None = None  # seconds after the previous line ends; negative overlaps
    over: float | None = None  # a back-channel: starts this far into the previous line


def render(
    name: str,
    speakers: dict[str, Speaker],
    lines: list[Line],
    snr_db: float | None,
    bitrate: str = "24k",
):
    rng = np.random.default_rng(SEED + sum(map(ord, name)))
    pieces: list[tuple[int, Line, np.ndarray]] = []
    cursor = int(0.6 * RATE)
    previous_start = 0
    with tempfile.TemporaryDirectory() as folder:
        for line in lines:
            audio = speak(speakers[line.speaker], line.text, Path(folder))
            if line.over is not None:
                start = previous_start + int(line.over * RATE)
            else:
                gap = line.gap if line.gap is not None else rng.uniform(0.35, 1.1)
                start = max(0, cursor + int(gap * RATE))
                previous_start = start
            pieces.append((start, line, audio))
            if line.over is None:
                cursor = start + len(audio)
    total = max(start + len(audio) for start, _, audio in pieces) + int(0.6 * RATE)
    mix = np.zeros(total, dtype=np.float64)
    utterances, speech = [], []
    for start, line, audio in pieces:
        gain = 0.35 if line.over is not None else 1.0  # a back-channel is said quietly
        mix[start : start + len(audio)] += gain * audio
        role = speakers[line.speaker].role
        begin, end = start / RATE, (start + len(audio)) / RATE
        utterances.append(
            {"start": round(begin, 2), "end": round(end, 2), "speaker": line.speaker}
            | {"role": role, "text": line.text}
        )
        for a, b in heard_stretches(audio):
            speech.append(
                {"start": round(begin + a, 2), "end": round(begin + b, 2)}
                | {"speaker": line.speaker, "role": role}
            )
    if snr_db is not None:
        heard = np.abs(mix) > 1e-4
        signal_power = (mix[heard] ** 2).mean()
        noise = 0.8 * coloured_noise(total, 1.0, rng) + 0.6 * coloured_noise(total, 2.0, rng)
        noise *= np.sqrt(signal_power / 10 ** (snr_db / 10)) / noise.std()
        mix += noise
    mix *= 0.8 / np.abs(mix).max()
    out = HERE / f"{name}.opus"
    subprocess.run(
        ["ffmpeg", "-y", "-loglevel", "error", "-f", "f32le", "-ar", str(RATE), "-ac", "1"]
        + ["-i", "pipe:", "-c:a", "libopus", "-b:a", bitrate, str(out)],
        input=mix.astype(np.float32).tobytes(),
        check=True,
    )
    truth = {
        "name": name,
        "seconds": round(total / RATE, 2),
        "snr_db": snr_db,
        "speakers": {
            key: {"role": s.role, "voice": s.voice, "espeak_pitch": s.pitch, "scale": s.scale}
            for key, s in speakers.items()
        },
        "utterances": utterances,
        "speech": sorted(speech, key=lambda s: s["start"]),
    }
    (HERE / f"{name}.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n")
    print(f"{name}: {total / RATE:.1f} s, {out.stat().st_size // 1024} KiB")


# The people. Pitches measured (workers.voice_features.yin_pitch, medians): caseworker_f
# ~175 Hz, mother ~170 Hz (3 % apart, told by vocal tract and voice quality), father
# ~105 Hz, children 250-330 Hz.
CASEWORKER_F = Speaker("adult", "da+f4", 50, 160, colour="equalizer=f=2500:t=q:w=1:g=3")
CASEWORKER_M = Speaker("adult", "da+m3", 52, 155, colour="equalizer=f=300:t=q:w=1:g=3")
MOTHER = Speaker("adult", "da+aunty", 50, 150, scale=0.9, colour="lowpass=f=5000")
INTERPRETER = Speaker("adult", "da+klatt", 50, 165, scale=1.05, colour="highpass=f=200")
GIRL_8 = Speaker("child", "da+f2", 62, 140, scale=1.25, raise_pitch=True)
BOY_7 = Speaker("child", "da+f3", 58, 135, scale=1.3, raise_pitch=True)
BOY_10 = Speaker(
    "child", "da+f5", 62, 150, scale=1.15, raise_pitch=True, colour="equalizer=f=1200:t=q:w=1:g=2"
)
SISTER_6 = Speaker("child", "da+Andrea", 60, 130, scale=1.3, raise_pitch=True)


def caseworker_child() -> None:
    lines = [
        Line(
            "caseworker",
            "Hej. Jeg hedder Mette, og jeg arbejder på kommunen. Hvordan har du det i dag?",
        ),
        Line("child", "Jeg har det okay. Lidt træt."),
        Line("caseworker", "Kan du fortælle mig om en helt almindelig dag derhjemme?"),
        Line(
            "child", "Om morgenen spiser jeg morgenmad med min lillesøster, og så går vi i skole."
        ),
        Line("caseworker", "Hvem hjælper jer om morgenen?"),
        Line("child", "Det gør mor nogle gange. Men hun sover tit, så jeg laver selv madpakke."),
        Line("caseworker", "Hvordan er det for dig?"),
        Line("child", "Det er lidt kedeligt. Men jeg kan godt finde ud af det."),
        Line("caseworker", "Du siger, at mor sover tit. Vil du fortælle lidt mere om det?"),
        Line("child", "Hun er meget træt, og om aftenen ligger hun bare i sofaen og ser fjernsyn."),
        Line("caseworker", "Hvad gør du så om aftenen?"),
        Line("child", "Så leger jeg med lego på mit værelse. Eller jeg spiller på min telefon."),
        Line("caseworker", "Er der nogen, du kan snakke med, hvis du er ked af det?"),
        Line("child", "Min mormor. Hun bor lige ved siden af skolen."),
        Line("caseworker", "Det lyder godt. Er der noget, du gerne ville have var anderledes?"),
        Line("child", "Jeg vil gerne have, at de ikke råber så meget."),
    ]
    render("caseworker_child", {"caseworker": CASEWORKER_F, "child": BOY_7}, lines, None)


def two_adults_similar_pitch() -> None:
    lines = [
        Line("caseworker", "Tak fordi I ville komme i dag. Jeg vil gerne høre, hvordan det går."),
        Line("mother", "Det går lidt op og ned. Hun har haft det svært i skolen."),
        Line("caseworker", "Må jeg spørge dig selv? Hvordan er det at gå i skole for tiden?"),
        Line("child", "Det er fint nok. Jeg har en ny veninde, der hedder Sofie."),
        Line("caseworker", "Hvad laver I sammen, du og Sofie?"),
        Line("child", "Vi tegner i frikvarteret, og nogle gange går vi hjem til hende."),
        Line("mother", "Hun har også sovet dårligt, og hun vågner om natten."),
        Line("caseworker", "Kan du fortælle mig, hvad der sker, når du vågner om natten?"),
        Line(
            "child", "Jeg drømmer nogle gange om, at der er nogen, der råber. Så bliver jeg bange."
        ),
        Line("caseworker", "Hvad gør du så, når du bliver bange?"),
        Line("child", "Så går jeg ind til mor og sover i hendes seng."),
        Line("mother", "Det er rigtigt. Og så falder hun til ro igen."),
        Line(
            "caseworker", "Det er godt, at du kan gå ind til din mor. Er der andet, du tænker på?"
        ),
        Line("child", "Nej. Eller jo, jeg savner min far, når han er væk."),
        Line("mother", "Han arbejder meget i udlandet, og det er svært for hende."),
    ]
    speakers = {"caseworker": CASEWORKER_F, "mother": MOTHER, "child": GIRL_8}
    render("two_adults_similar_pitch", speakers, lines, None)


def three_speakers() -> None:
    lines = [
        Line("caseworker", "Hej I to. Jeg er glad for, at I ville snakke med mig i dag."),
        Line("brother", "Hej. Skal vi være her længe?"),
        Line("caseworker", "Nej, ikke så længe. Kan I fortælle mig, hvem der bor hjemme hos jer?"),
        Line("sister", "Mig og min bror og mor. Og vores kat, der hedder Mis."),
        Line("brother", "Og nogle gange mors kæreste. Han hedder Jens."),
        Line("caseworker", "Hvordan er det, når Jens er der?"),
        Line("brother", "Det er lidt mærkeligt. Han bestemmer meget, og han bliver hurtigt sur."),
        Line("sister", "Jeg kan godt lide ham. Han køber is til os."),
        Line("caseworker", "Så I oplever det forskelligt. Hvad sker der, når han bliver sur?"),
        Line(
            "brother", "Så smækker han med døren, og så går jeg op på mit værelse med min søster."
        ),
        Line("sister", "Vi bygger en hule under sengen."),
        Line("caseworker", "En hule. Hvordan er det at være i hulen?"),
        Line("sister", "Det er hyggeligt. Vi har en lommelygte og nogle tæpper."),
        Line("brother", "Jeg passer på hende, så hun ikke bliver bange."),
        Line("caseworker", "Det lyder, som om du tager dig godt af din søster."),
    ]
    speakers = {"caseworker": CASEWORKER_M, "brother": BOY_10, "sister": SISTER_6}
    render("three_speakers", speakers, lines, None)


def overlapping_speech() -> None:
    lines = [
        Line("caseworker", "Jeg vil gerne høre om din weekend. Hvad lavede du?"),
        Line(
            "child", "Vi var hos farmor og farfar i sommerhuset, og vi gik ned til stranden.", -0.4
        ),
        Line("caseworker", "mm", over=1.6),
        Line("caseworker", "Hvem var med i sommerhuset?", -0.7),
        Line("child", "Mig og far og min storebror. Mor var hjemme, fordi hun var syg.", -0.3),
        Line("caseworker", "ja", over=2.2),
        Line("caseworker", "Hvordan var det, at mor ikke var med?", -0.9),
        Line("child", "Det var lidt underligt. Jeg ringede til hende om aftenen.", -0.5),
        Line("caseworker", "Hvad snakkede I om, da du ringede?", -1.0),
        Line("child", "Hun sagde, at hun var ked af det, og at hun savnede mig meget.", -0.4),
        Line("caseworker", "mm", over=2.0),
        Line("caseworker", "Hvad tænkte du, da hun sagde det?", -0.8),
        Line("child", "Jeg tænkte, at jeg gerne ville hjem. Men far sagde, vi skulle blive.", -0.6),
        Line("caseworker", "okay", over=1.8),
        Line("caseworker", "Hvad skete der så, da I kom hjem søndag?", -0.6),
        Line("child", "Så var mor glad igen, og vi spiste pizza allesammen.", -0.5),
        Line("caseworker", "Det lyder rart. Hvordan har mor haft det siden?", -0.3),
        Line("child", "Hun har været på arbejde hver dag, og hun har hentet mig i klubben.", -0.7),
        Line("caseworker", "mm", over=1.5),
        Line("caseworker", "Og din storebror, hvordan har han det?", -0.8),
        Line(
            "child",
            "Han er mest på sit værelse og spiller computer. Han gider ikke lege med mig.",
            -0.4,
        ),
        Line("caseworker", "ja", over=2.4),
        Line("caseworker", "Hvad gør du, når han ikke gider lege?", -0.6),
        Line("child", "Så tegner jeg, eller jeg går over til naboens hund.", -0.5),
    ]
    speakers = {"caseworker": CASEWORKER_M, "child": GIRL_8}
    render("overlapping_speech", speakers, lines, None)


def background_noise() -> None:
    lines = [
        Line("caseworker", "Nu sidder vi her på skolen. Er det okay at snakke her?"),
        Line("child", "Ja. Men der er lidt larm fra gangen."),
        Line("caseworker", "Det gør ikke noget. Hvordan har du det med dine klassekammerater?"),
        Line("child", "Nogle af dem er søde. Men nogle drillede mig i sidste uge."),
        Line("caseworker", "Vil du fortælle, hvad der skete?"),
        Line("child", "De tog min taske og smed den i skraldespanden. Så græd jeg."),
        Line("caseworker", "Det lyder ikke rart. Hvem fortalte du det til?"),
        Line("child", "Til min lærer. Hun skældte dem ud, og så sagde de undskyld."),
        Line("caseworker", "Hvordan har det været siden?"),
        Line("child", "Det er bedre nu. Jeg leger mest med Ali og Emma."),
        Line("caseworker", "Hvad kan du bedst lide at lave med dem?"),
        Line("child", "Vi spiller fodbold, og vi har en klub, hvor man skal kende kodeordet."),
    ]
    speakers = {"caseworker": INTERPRETER, "child": SISTER_6}
    render("background_noise", speakers, lines, 10.0)


# Validation speakers: voices and variants not used above. Pitches measured alike:
# caseworker_b ~205 Hz and mother_b ~205 Hz, high_caseworker ~240 Hz (an adult speaking
# high, as to a small child), father_b ~100 Hz, children 290-340 Hz.
CASEWORKER_B = Speaker("adult", "da+f1", 64, 150, colour="equalizer=f=1800:t=q:w=1:g=2")
MOTHER_B = Speaker("adult", "da+Annie", 25, 145, scale=0.93, colour="lowpass=f=6000")
HIGH_CASEWORKER = Speaker("adult", "da+f1", 78, 145, colour="equalizer=f=3000:t=q:w=1:g=2")
FATHER_B = Speaker("adult", "da+m1", 55, 150, scale=1.04, colour="equalizer=f=500:t=q:w=1:g=2")
GIRL_9 = Speaker("child", "da+anika", 55, 145, scale=1.2, raise_pitch=True)
BOY_6 = Speaker(
    "child", "da+Alicia", 58, 130, scale=1.25, raise_pitch=True, colour="highpass=f=150"
)

QUESTIONS = [
    "Hvordan har ugen været for dig?",
    "Kan du fortælle mig, hvad du lavede i går efter skole?",
    "Hvem spiser du aftensmad med?",
    "Hvad sker der, når nogen bliver uvenner derhjemme?",
    "Hvordan sover du om natten for tiden?",
    "Er der nogen voksne, du stoler på?",
    "Hvad synes du er det bedste ved din klasse?",
    "Hvordan kommer du i skole om morgenen?",
    "Hvad laver I i weekenden?",
    "Har du nogle venner, du ser efter skole?",
    "Hvad gør du, hvis du bliver ked af det?",
    "Fortæl mig lidt om dit værelse.",
    "Hvad tænker du på, når du skal sove?",
    "Hvordan var det sidste gang, vi snakkede sammen?",
    "Er der noget, du synes er svært lige nu?",
    "Hvem hjælper dig med lektierne?",
]
ADULT_LINES = [
    "Vi har haft en travl uge med arbejde og indkøb.",
    "Han har været meget stille, siden vi flyttede.",
    "Jeg prøver at være hjemme, når de kommer fra skole.",
    "Det har været svært at få rutinerne til at hænge sammen.",
    "Om aftenen læser vi en bog sammen, når der er tid.",
    "Skolen har ringet et par gange om fravær.",
    "Jeg synes selv, det går bedre end i foråret.",
    "Min søster hjælper os meget, hun bor tæt på.",
    "Vi skændes nogle gange om penge, det er rigtigt.",
    "Der er mange aftaler med lægen lige nu.",
    "Jeg er bekymret for, om de får nok søvn.",
    "Vi har talt om at finde en fritidsaktivitet til dem.",
]
CHILD_LINES = [
    "Jeg spillede fodbold med min ven.",
    "Det ved jeg ikke rigtig.",
    "Nogle gange er jeg bange om natten, når det er mørkt.",
    "Min lærer er sød, hun hedder Hanne.",
    "Vi fik pandekager til morgenmad i søndags.",
    "Jeg kan godt lide at tegne heste og drager.",
    "Når de råber, går jeg ind på mit værelse og lukker døren.",
    "Min bedste ven hedder Malik, vi bygger huler i skoven.",
    "Jeg cykler selv i skole nu, det er sjovt.",
    "Min bror tager altid fjernbetjeningen.",
    "Jeg savner min hund, den bor hos farmor.",
    "Det er kedeligt, når der ikke er nogen at lege med.",
    "Jeg vil gerne gå til svømning ligesom min kusine.",
    "I går lavede vi lektier ved køkkenbordet.",
]


def drawn_lines(name: str, order: list[tuple[str, list[str]]], turns: int) -> list[Line]:
    """`turns` lines: the speakers in a seeded random order (never one twice running),
    each saying a line from their pool, the pools used up before any line repeats."""
    rng = np.random.default_rng(SEED + 7 + sum(map(ord, name)))
    pools: dict[str, list[str]] = {}
    lines: list[Line] = []
    previous = ""
    for _ in range(turns):
        choices = [speaker for speaker, _ in order if speaker != previous]
        speaker = choices[int(rng.integers(len(choices)))]
        if not pools.get(speaker):
            pool = dict(order)[speaker]
            pools[speaker] = [pool[i] for i in rng.permutation(len(pool))]
        lines.append(Line(speaker, pools[speaker].pop()))
        previous = speaker
    return lines


def mother_and_caseworker_long() -> None:
    order = [("caseworker", QUESTIONS), ("mother", ADULT_LINES), ("child", CHILD_LINES)]
    speakers = {"caseworker": CASEWORKER_B, "mother": MOTHER_B, "child": GIRL_9}
    lines = drawn_lines("mother_and_caseworker_long", order, 64)
    render("mother_and_caseworker_long", speakers, lines, None, bitrate="12k")


def siblings_long() -> None:
    order = [("father", QUESTIONS + ADULT_LINES), ("girl", CHILD_LINES), ("boy", CHILD_LINES)]
    speakers = {"father": FATHER_B, "girl": GIRL_9, "boy": BOY_6}
    lines = drawn_lines("siblings_long", order, 56)
    render("siblings_long", speakers, lines, None, bitrate="12k")


def high_voiced_adult() -> None:
    order = [("caseworker", QUESTIONS), ("child", CHILD_LINES)]
    speakers = {"caseworker": HIGH_CASEWORKER, "child": BOY_6}
    lines = drawn_lines("high_voiced_adult", order, 24)
    render("high_voiced_adult", speakers, lines, 15.0, bitrate="16k")


if __name__ == "__main__":
    mother_and_caseworker_long()
    siblings_long()
    high_voiced_adult()
    caseworker_child()
    two_adults_similar_pitch()
    three_speakers()
    overlapping_speech()
    background_noise()
