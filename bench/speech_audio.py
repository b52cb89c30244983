"""The test speech the benchmarks transcribe: a long synthetic recording and its exact text.

Sentences are spoken one by one with espeak-ng (two alternating voices, like a conversation),
joined with short natural pauses, and written as

  (a) a WAV (22.05 kHz mono, what espeak-ng makes), and
  (b) an MP4 with H.264 video (lavfi testsrc2 320x240, libx264, yuv420p) and AAC audio,
      written with `-movflags +faststart` (what a browser or phone upload looks like).

The files are cached in bench/work/ under a name that hashes the text and the settings, so a
second run reuses them. `wer()` scores a transcript against the reference with jiwer after a
simple normalisation (lower case, punctuation removed).

Run on its own to build (or show) the recordings:

    .venv/bin/python bench/speech_audio.py            # English, about 10 minutes
    .venv/bin/python bench/speech_audio.py --lang da  # Danish
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import subprocess
import sys
import tempfile
import unicodedata
import wave
from dataclasses import dataclass
from pathlib import Path

from harness import WORK, ffmpeg

VERSION = 3  # bump when the way the audio is made changes

# ---------------------------------------------------------------------------------------
# Reference text. No digits, no abbreviations: words a transcript can spell only one way.
# ---------------------------------------------------------------------------------------

EN_SENTENCES = [
    "Thank you for taking the time to meet with me this afternoon.",
    "I wanted to talk about the family we visited last week, "
    "because something has been bothering me.",
    "Of course, tell me what happened and how you experienced it.",
    "When we arrived, the mother was very friendly, "
    "but the children stayed in their room the whole time.",
    "I tried to ask them to join us in the kitchen, and they simply refused.",
    "Did you get a sense of why they did not want to come out?",
    "Not really, although the oldest boy looked tired and a little angry.",
    "The mother said that he had been up late playing games on his computer.",
    "That could be true, but it could also be something else entirely.",
    "Exactly, and that is the part I keep thinking about on my way home.",
    "What did you write in your notes after the visit?",
    "I wrote down what I saw, but I was careful not to draw any conclusions yet.",
    "That sounds like a sensible approach at this stage of the case.",
    "Still, I feel that I should have asked more direct questions while I was there.",
    "Which questions would you ask if you could go back to that moment?",
    "I think I would ask the boy how he is doing at school and who he talks to when he is sad.",
    "Those are good questions, and you can still ask them at the next visit.",
    "The school has also called twice this month about his attendance.",
    "Has anyone from the school been invited to a meeting with the family?",
    "Not yet, but the teacher has offered to come if we think it would help.",
    "It might be useful to hear how the teacher sees the situation from the outside.",
    "I agree, although I am worried that the mother will feel that we are ganging up on her.",
    "That is a fair concern, and it is worth saying out loud at the start of the meeting.",
    "How would you explain the purpose of the meeting to her?",
    "I would tell her that we all want the same thing, which is for her son to do well.",
    "And what would you do if she became defensive or upset?",
    "I would try to stay calm and remind her that she is the expert on her own family.",
    "That is a very good way of putting it.",
    "Let us also look at what you need from me and from the rest of the team.",
    "Mostly I need someone to listen, because these cases stay with me in the evenings.",
    "That is completely understandable, and it is why we have these conversations.",
    "Do you have a way of switching off when you come home from work?",
    "I usually go for a long walk with the dog, and that helps a little.",
    "Some people find it useful to write a few lines before they leave the office.",
    "Maybe I should try that, just to put the day away somewhere.",
    "Now, I would like to go back to the recording you made of the follow up meeting.",
    "Yes, I listened to it yesterday and noticed that I talked much more than the father.",
    "What do you think made you talk so much in that meeting?",
    "I think I was nervous, and when I am nervous I fill the silence with explanations.",
    "Silence can be uncomfortable, but it often gives people room to think.",
    "Next time I will try to count slowly to five before I say anything.",
    "That is a simple technique, and many experienced colleagues still use it.",
    "The father did say something important near the end, when I finally stopped talking.",
    "What did he say, as far as you remember?",
    "He said that he had lost his job in the spring and had not told anyone.",
    "That changes the picture quite a lot, does it not?",
    "It does, because it explains why the family has been under so much pressure.",
    "How do you want to follow up on that information?",
    "I would like to ask whether he wants help finding advice about money and work.",
    "That seems respectful, as long as he feels that the choice is his.",
    "I also want to check that the children are not carrying that worry on their own.",
    "Children often notice much more than the adults around them believe.",
    "The younger girl drew a picture of a house with a big dark cloud above it.",
    "Did you talk with her about the picture, or did you only look at it?",
    "I asked her to tell me about it, and she said that the cloud was just the weather.",
    "Sometimes that is all it is, and sometimes it is a way of saying something difficult.",
    "I know, which is why I would like a second opinion from the psychologist.",
    "That is a good idea, and I can help you book a time with her next week.",
    "Thank you, that would make me feel a lot more confident about the next steps.",
    "Before we finish, let us summarise what we have agreed today.",
    "First, I will invite the teacher and the mother to a meeting together.",
    "Second, I will ask the father whether he would like help with his situation at work.",
    "Third, I will talk to the psychologist about the drawing and the boy's mood.",
    "And finally, you will try to leave a little more silence in your conversations.",
    "Yes, and I will listen to the next recording with that in mind.",
    "Good, then we can look at that recording together when we meet again.",
    "I really appreciate the feedback, it helps me see my own habits more clearly.",
    "You are doing careful work, and it shows in the way you describe the family.",
    "Let me ask you one more thing about the team meeting on Thursday.",
    "Several colleagues felt that the discussion about new routines went on for too long.",
    "I noticed that as well, and some people stopped paying attention after a while.",
    "Perhaps we could send a short written proposal before the meeting next time.",
    "That way everyone can read it quietly and come prepared with their questions.",
    "I like that, and I am happy to write the first draft if nobody else wants to.",
    "Wonderful, please share it with me before you send it to the whole group.",
]

EN_TEMPLATES = {
    "who": [
        "The mother",
        "The father",
        "My colleague",
        "The teacher",
        "Our team leader",
        "The psychologist",
        "The grandmother",
        "The oldest boy",
        "The younger girl",
        "The family doctor",
        "The school nurse",
        "Her neighbour",
        "The social worker",
    ],
    "did": [
        "called me again",
        "asked for a short meeting",
        "sent a long email",
        "wanted to change the plan",
        "cancelled the home visit",
        "came to the office",
        "asked about the report",
        "said that things were better",
        "seemed worried",
        "talked about the holidays",
        "mentioned the new school",
        "wanted more time",
    ],
    "when": [
        "on Monday morning",
        "on Tuesday afternoon",
        "on Wednesday",
        "on Thursday evening",
        "on Friday before lunch",
        "last week",
        "earlier this month",
        "after the meeting",
        "during the summer",
        "yesterday",
        "just before the weekend",
    ],
    "why": [
        "because things had changed at home",
        "and I was not sure how to answer",
        "so we agreed to look at it together",
        "which surprised everyone in the room",
        "and I promised to write back soon",
        "although nothing had been decided yet",
        "because the situation had become difficult",
        "and we talked for almost an hour",
        "so I made a note of it in the file",
        "and I think that was a good sign",
    ],
    "q": [
        "How did you feel when {who_l} {did}?",
        "What do you think it meant that {who_l} {did}?",
        "Why do you think {who_l} {did} {when}?",
        "Who else knew that {who_l} {did}?",
    ],
}

DA_SENTENCES = [
    "Tak fordi du havde tid til at mødes med mig i eftermiddag.",
    "Jeg ville gerne tale om familien, som vi besøgte i sidste uge.",
    "Selvfølgelig, fortæl mig hvad der skete, og hvordan du oplevede det.",
    "Da vi kom, var moren meget venlig, men børnene blev på deres værelse hele tiden.",
    "Jeg prøvede at bede dem komme ud i køkkenet, men de ville ikke.",
    "Fik du en fornemmelse af, hvorfor de ikke ville komme ud?",
    "Ikke rigtigt, men den ældste dreng så træt og lidt vred ud.",
    "Moren sagde, at han havde siddet længe oppe og spillet på computeren.",
    "Det kan godt være rigtigt, men det kan også være noget helt andet.",
    "Præcis, og det er det, jeg bliver ved med at tænke på.",
    "Hvad skrev du i dine noter efter besøget?",
    "Jeg skrev det ned, jeg så, men jeg passede på ikke at drage konklusioner.",
    "Det lyder som en fornuftig måde at gøre det på lige nu.",
    "Alligevel synes jeg, at jeg burde have stillet flere direkte spørgsmål.",
    "Hvilke spørgsmål ville du stille, hvis du kunne gå tilbage?",
    "Jeg ville spørge drengen, hvordan det går i skolen, og hvem han taler med.",
    "Det er gode spørgsmål, og du kan stadig stille dem ved næste besøg.",
    "Skolen har også ringet to gange i denne måned om hans fravær.",
    "Er der nogen fra skolen, som er blevet inviteret til et møde med familien?",
    "Ikke endnu, men læreren har tilbudt at komme, hvis vi tror, det hjælper.",
    "Det kunne være nyttigt at høre, hvordan læreren ser situationen udefra.",
    "Jeg er enig, men jeg er bange for, at moren føler sig presset.",
    "Det er en rimelig bekymring, og den er værd at sige højt.",
    "Hvordan vil du forklare hende, hvad mødet handler om?",
    "Jeg vil sige, at vi alle sammen ønsker, at hendes søn får det godt.",
    "Og hvad gør du, hvis hun bliver ked af det eller går i forsvar?",
    "Jeg vil prøve at være rolig og minde hende om, at hun kender sin familie bedst.",
    "Det er en meget god måde at sige det på.",
    "Lad os også se på, hvad du har brug for fra mig og fra resten af teamet.",
    "Mest af alt har jeg brug for, at nogen lytter, for sagerne følger med mig hjem.",
    "Det er helt forståeligt, og det er derfor, vi har de her samtaler.",
    "Har du en måde at koble af på, når du kommer hjem fra arbejde?",
    "Jeg går som regel en lang tur med hunden, og det hjælper lidt.",
    "Nogle synes, det hjælper at skrive et par linjer, før de går hjem.",
    "Måske skulle jeg prøve det, bare for at lægge dagen fra mig.",
    "Nu vil jeg gerne tilbage til optagelsen fra opfølgningsmødet.",
    "Ja, jeg hørte den i går og lagde mærke til, at jeg talte meget mere end faren.",
    "Hvad tror du, der fik dig til at tale så meget på det møde?",
    "Jeg tror, jeg var nervøs, og når jeg er nervøs, fylder jeg stilheden ud.",
    "Stilhed kan være ubehagelig, men den giver ofte folk plads til at tænke.",
    "Næste gang vil jeg prøve at tælle langsomt til fem, før jeg siger noget.",
    "Faren sagde noget vigtigt til sidst, da jeg endelig holdt op med at tale.",
    "Han sagde, at han havde mistet sit arbejde i foråret og ikke havde fortalt det.",
    "Det ændrer billedet ret meget, gør det ikke?",
    "Jo, for det forklarer, hvorfor familien har været under så stort pres.",
    "Før vi slutter, så lad os lige samle op på, hvad vi har aftalt i dag.",
    "Først inviterer jeg læreren og moren til et møde sammen.",
    "Dernæst spørger jeg faren, om han vil have hjælp til sin situation.",
    "Til sidst taler jeg med psykologen om tegningen og drengens humør.",
    "Godt, så kan vi se på den næste optagelse sammen, når vi ses igen.",
]

DA_TEMPLATES = {
    "who": [
        "Moren",
        "Faren",
        "Min kollega",
        "Læreren",
        "Vores leder",
        "Psykologen",
        "Bedstemoren",
        "Den ældste dreng",
        "Den lille pige",
        "Sundhedsplejersken",
        "Naboen",
        "Sagsbehandleren",
    ],
    "did": [
        "ringede til mig igen",
        "bad om et kort møde",
        "sendte en lang mail",
        "ville ændre planen",
        "aflyste hjemmebesøget",
        "kom forbi kontoret",
        "spurgte til rapporten",
        "sagde at det gik bedre",
        "virkede bekymret",
        "talte om ferien",
        "nævnte den nye skole",
        "ønskede mere tid",
    ],
    "when": [
        "mandag morgen",
        "tirsdag eftermiddag",
        "om onsdagen",
        "torsdag aften",
        "fredag før frokost",
        "i sidste uge",
        "tidligere på måneden",
        "efter mødet",
        "i sommers",
        "i går",
        "lige før weekenden",
    ],
    "why": [
        "fordi der var sket noget derhjemme",
        "og jeg vidste ikke, hvad jeg skulle svare",
        "så vi aftalte at se på det sammen",
        "hvilket overraskede alle i rummet",
        "og jeg lovede at skrive tilbage snart",
        "selvom intet var besluttet endnu",
        "fordi situationen var blevet svær",
        "og vi talte sammen i næsten en time",
        "så jeg skrev det ind i sagen",
        "og jeg tror, det var et godt tegn",
    ],
    "q": [
        "Hvordan havde du det, da {who_l} {did}?",
        "Hvad tror du, det betød, at {who_l} {did}?",
        "Hvem vidste ellers, at {who_l} {did}?",
    ],
}

LANGS = {
    # whisper language code: (espeak voices for the two speakers, sentences, templates)
    "en": (("en-us", "en-us+f3"), EN_SENTENCES, EN_TEMPLATES),
    "da": (("da", "da+f3"), DA_SENTENCES, DA_TEMPLATES),
}


def sentences(lang: str, seed: int = 7):
    """Hand-written sentences first, then varied sentences from templates, forever."""
    _, fixed, tpl = LANGS[lang]
    yield from fixed
    rng = random.Random(seed)
    while True:
        who, did = rng.choice(tpl["who"]), rng.choice(tpl["did"])
        if rng.random() < 0.2:
            yield rng.choice(tpl["q"]).format(
                who_l=who[0].lower() + who[1:], did=did, when=rng.choice(tpl["when"])
            )
        else:
            yield f"{who} {did} {rng.choice(tpl['when'])}, {rng.choice(tpl['why'])}."


# ---------------------------------------------------------------------------------------
# Audio
# ---------------------------------------------------------------------------------------


@dataclass
class SpeechRecording:
    language: str  # Whisper language code
    wav: Path
    mp4: Path
    reference: str
    duration: float  # seconds
    sentences: int

    @property
    def words(self) -> int:
        return len(normalise(self.reference).split())


def _files(stem: Path) -> tuple[Path, Path, Path]:
    """The WAV, the MP4 and the JSON (reference text) of one cached recording."""
    return stem.with_suffix(".wav"), stem.with_suffix(".mp4"), stem.with_suffix(".json")


def speak(text: str, voice: str, rate: int, out: Path) -> None:
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(out), text],
        check=True,
        capture_output=True,
    )


def make_recording(
    lang: str = "en", target_seconds: float = 600.0, rate: int = 160, quiet: bool = False
) -> SpeechRecording:
    """Build (or reuse from bench/work) a ~target_seconds speech recording."""
    if lang not in LANGS:
        raise SystemExit(f"unknown language {lang!r}; choose from {sorted(LANGS)}")
    voices = LANGS[lang][0]
    key = hashlib.sha1(
        json.dumps([VERSION, lang, voices, rate, target_seconds, *LANGS[lang][1:]]).encode()
    ).hexdigest()[:10]
    WORK.mkdir(parents=True, exist_ok=True)
    stem = WORK / f"speech-{lang}-{int(target_seconds)}s-{key}"
    wav, mp4, meta_path = _files(stem)
    if wav.exists() and mp4.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        return SpeechRecording(
            lang, wav, mp4, meta["reference"], meta["duration"], meta["sentences"]
        )

    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    say(
        f"[speech_audio] synthesising ~{target_seconds:.0f} s of '{lang}' speech with espeak-ng ..."
    )
    rng = random.Random(11)
    spoken: list[str] = []
    frames = bytearray()
    params = None
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        speaker, turn_left = 0, rng.randint(2, 4)
        for i, text in enumerate(sentences(lang)):
            if params is not None and len(frames) / (params.framerate * 2) >= target_seconds:
                break
            part = Path(tmp) / f"s{i:04d}.wav"
            speak(text, voices[speaker], rate, part)
            with wave.open(str(part), "rb") as w:
                if params is None:
                    params = w.getparams()
                assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
                assert w.getframerate() == params.framerate
                pcm = w.readframes(w.getnframes())
            # espeak pads a little silence itself; add a short natural pause, longer at turns.
            turn_left -= 1
            if turn_left == 0:
                speaker, turn_left = 1 - speaker, rng.randint(2, 4)
                pause = rng.uniform(0.7, 1.3)
            else:
                pause = rng.uniform(0.15, 0.6)
            frames += pcm + b"\x00\x00" * int(pause * params.framerate)
            spoken.append(text)
    assert params is not None
    tmp_wav = wav.with_suffix(".tmp.wav")
    with wave.open(str(tmp_wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(params.framerate)
        w.writeframes(bytes(frames))
    duration = len(frames) / (params.framerate * 2)
    tmp_wav.replace(wav)

    say(f"[speech_audio] {len(spoken)} sentences, {duration:.1f} s; encoding MP4 (H.264 + AAC) ...")
    _encode_mp4(wav, mp4, duration)
    reference = " ".join(spoken)
    meta_path.write_text(
        json.dumps(
            {
                "language": lang,
                "voices": voices,
                "rate": rate,
                "duration": duration,
                "sentences": len(spoken),
                "reference": reference,
            },
            ensure_ascii=False,
            indent=1,
        )
    )
    return SpeechRecording(lang, wav, mp4, reference, duration, len(spoken))


def _encode_mp4(wav: Path, mp4: Path, duration: float) -> None:
    """The WAV as an MP4 upload: H.264 test picture and AAC sound, faststart."""
    tmp_mp4 = mp4.with_suffix(".tmp.mp4")
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-i", wav),
        *("-map", "0:v:0", "-map", "1:a:0", "-t", f"{duration:.3f}"),
        *("-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"),
        *("-c:a", "aac", "-b:a", "96k", "-ar", "48000", "-movflags", "+faststart"),
        *("-f", "mp4", tmp_mp4),
    )
    tmp_mp4.replace(mp4)


@dataclass
class GappyRecording(SpeechRecording):
    """Speech with long gaps: (start, end, kind) in seconds, kind "silence" or "noise"."""

    gaps: list[tuple[float, float, str]]


# Sentences per block of speech and the gap after it: silence at the start, digital silence,
# quiet noise (about -60 dBFS, like a still room), and silence at the end, where Whisper
# is known to invent text.
GAPPY_LAYOUT: list[tuple[int, float, str]] = [
    (0, 15.0, "silence"),
    (10, 60.0, "silence"),
    (10, 60.0, "noise"),
    (8, 40.0, "silence"),
]


def make_gappy_recording(lang: str = "en", rate: int = 160) -> GappyRecording:
    """Build (or reuse) a ~5-minute recording of speech blocks with long gaps between them."""
    voices = LANGS[lang][0]
    key = hashlib.sha1(
        json.dumps([VERSION, "gappy", lang, voices, rate, GAPPY_LAYOUT]).encode()
    ).hexdigest()[:10]
    WORK.mkdir(parents=True, exist_ok=True)
    stem = WORK / f"gappy-{lang}-{key}"
    wav, mp4, meta_path = _files(stem)
    if not (wav.exists() and mp4.exists() and meta_path.exists()):
        import array

        texts = sentences(lang)
        rng = random.Random(5)
        spoken: list[str] = []
        gaps: list[tuple[float, float, str]] = []
        frames = bytearray()
        framerate = 0
        with tempfile.TemporaryDirectory(dir=WORK) as tmp:
            for block, (count, gap, kind) in enumerate(GAPPY_LAYOUT):
                for i in range(count):
                    text = next(texts)
                    part = Path(tmp) / f"b{block}s{i}.wav"
                    speak(text, voices[i % 2], rate, part)
                    with wave.open(str(part), "rb") as w:
                        framerate = w.getframerate()
                        frames += w.readframes(w.getnframes())
                    frames += b"\x00\x00" * int(rng.uniform(0.3, 0.9) * framerate)
                    spoken.append(text)
                framerate = framerate or 22050
                start = len(frames) / 2 / framerate
                n = int(gap * framerate)
                if kind == "noise":
                    noise = array.array("h", (int(rng.gauss(0, 30)) for _ in range(n)))
                    frames += noise.tobytes()
                else:
                    frames += b"\x00\x00" * n
                gaps.append((round(start, 3), round(len(frames) / 2 / framerate, 3), kind))
        tmp_wav = wav.with_suffix(".tmp.wav")
        with wave.open(str(tmp_wav), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(framerate)
            w.writeframes(bytes(frames))
        tmp_wav.replace(wav)
        duration = len(frames) / 2 / framerate
        _encode_mp4(wav, mp4, duration)
        meta = {
            "reference": " ".join(spoken),
            "duration": duration,
            "sentences": len(spoken),
            "gaps": gaps,
        }
        meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1))
    meta = json.loads(meta_path.read_text())
    return GappyRecording(
        lang,
        wav,
        mp4,
        meta["reference"],
        meta["duration"],
        meta["sentences"],
        [(a, b, k) for a, b, k in meta["gaps"]],
    )


# ---------------------------------------------------------------------------------------
# Word error rate
# ---------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped, other punctuation to spaces, spaces collapsed."""
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"['’`]", "", text)
    text = "".join(ch if (ch.isalnum() or ch.isspace()) else " " for ch in text)
    return " ".join(text.split())


def wer(reference: str, hypothesis: str) -> float:
    import jiwer

    ref, hyp = normalise(reference), normalise(hypothesis)
    if not hyp:
        return 1.0
    return float(jiwer.wer(ref, hyp))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", default="en", choices=sorted(LANGS))
    parser.add_argument("--seconds", type=float, default=600.0)
    args = parser.parse_args()
    rec = make_recording(args.lang, args.seconds)
    print(f"language  {rec.language}")
    print(f"duration  {rec.duration:.1f} s, {rec.sentences} sentences, {rec.words} words")
    print(f"wav       {rec.wav} ({rec.wav.stat().st_size / 1e6:.1f} MB)")
    print(f"mp4       {rec.mp4} ({rec.mp4.stat().st_size / 1e6:.1f} MB)")
    print(f"reference {rec.reference[:160]} ...")


if __name__ == "__main__":
    sys.exit(main())
