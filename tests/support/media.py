"""Real media, made at test time: espeak-ng speaks, ffmpeg encodes each device format."""

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.support import made_once

SPEECH_EN = (
    "The child told me about her school and her friends. "
    "She said that she likes to draw pictures of horses. "
    "Then we talked about the weekend at her father's house."
)
SPEECH_DA = (
    "Hej, jeg hedder Mette, og jeg er din rådgiver. "
    "I dag skal vi tale om, hvordan du har det i skolen."
)


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str
    args: tuple[str, ...]
    video: bool


TEST_PICTURE = ("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25")
H264 = ("-c:v", "libx264", "-pix_fmt", "yuv420p")
# With TEST_PICTURE as the first input and sound as the second: as long as the sound.
WITH_SOUND = ("-map", "0:v", "-map", "1:a", "-shortest")

# VP8 and VP9 in realtime, as browsers record them (libvpx's default, best quality, takes
# ~20x longer).
REALTIME = ("-b:v", "300k", "-deadline", "realtime", "-cpu-used", "8")
HEVC = ("-c:v", "libx265", "-tag:v", "hvc1", "-pix_fmt", "yuv420p")
QUIET_X265 = ("-x265-params", "log-level=error")

# What phones, tablets, laptops and browsers produce.
FORMATS = [
    Format("mp4-h264-aac", ".mp4", (*H264, "-c:a", "aac"), True),
    Format("mov-hevc-aac", ".mov", (*HEVC, *QUIET_X265, "-c:a", "aac"), True),
    Format("mov-h264-aac", ".mov", (*H264, "-c:a", "aac"), True),
    Format("webm-vp8-opus", ".webm", ("-c:v", "libvpx", *REALTIME, "-c:a", "libopus"), True),
    Format("webm-vp9-opus", ".webm", ("-c:v", "libvpx-vp9", *REALTIME, "-c:a", "libopus"), True),
    Format("m4a-aac", ".m4a", ("-vn", "-c:a", "aac"), False),
    Format("mp3", ".mp3", ("-vn", "-c:a", "libmp3lame", "-q:a", "4"), False),
    Format("wav", ".wav", ("-vn", "-c:a", "pcm_s16le"), False),
]


def run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True)


def ffmpeg(*args: str | Path) -> None:
    """ffmpeg, quiet, overwriting its output (the last argument)."""
    run("ffmpeg", "-nostdin", "-v", "error", "-y", *map(str, args))


class MediaSet:
    """Makes each file once per test run, on first use. The test processes of one run
    (pytest-xdist) share the folder: whoever needs a file first makes it, under a lock,
    and the others wait for it rather than encode it again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def made(self, name: str, make: Callable[[Path], object]) -> Path:
        """The file `name` in the folder, made by `make(path)` if no process has made it yet
        (`tests.support.made_once`)."""
        return made_once(self.folder, name, make)

    def speech(self, lang: str = "en") -> Path:
        voice, text = ("en-us", SPEECH_EN) if lang == "en" else ("da", SPEECH_DA)
        return self.made(
            f"speech-{lang}.wav",
            lambda path: run("espeak-ng", "-v", voice, "-s", "150", "-w", str(path), text),
        )

    def tone(self, seconds: int) -> Path:
        """A real recording that is mostly bytes: a tone as 32-bit stereo WAV, 384 kB a
        second (for uploads large enough to be cut, paused and sent in parts)."""
        return self.made(
            f"tone-{seconds}s.wav",
            lambda path: ffmpeg("-f", "lavfi", "-i",
                                f"sine=frequency=440:sample_rate=48000:duration={seconds}",
                                "-ac", "2", "-c:a", "pcm_s32le", path),
        )  # fmt: skip

    def encoded(self, fmt: Format, lang: str = "en") -> Path:
        speech = self.speech(lang)

        def make(path: Path) -> None:
            if fmt.video:
                ffmpeg(*TEST_PICTURE, "-i", speech, *WITH_SOUND, *fmt.args, path)
            else:
                ffmpeg("-i", speech, "-map", "0:a", *fmt.args, path)

        return self.made(f"{fmt.name}-{lang}{fmt.suffix}", make)

    def video_without_audio(self) -> Path:
        return self.made(
            "silent-video.mp4", lambda path: ffmpeg(*TEST_PICTURE, "-t", "3", *H264, path)
        )

    def truncated_mp4(self) -> Path:
        """An MP4 cut off half way, its index (moov) lost: what an aborted copy leaves."""
        data = self.encoded(FORMATS[0]).read_bytes()
        return self.made("truncated.mp4", lambda path: path.write_bytes(data[: len(data) // 2]))

    def corrupt_webm(self) -> Path:
        """A WebM whose header bytes are overwritten with noise."""
        data = bytearray(self.encoded(FORMATS[3]).read_bytes())
        data[0:4096] = bytes((i * 7919) % 251 for i in range(4096))
        return self.made("corrupt.webm", lambda path: path.write_bytes(bytes(data)))

    def fake_pdf(self) -> Path:
        body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"0" * 4000 + b"\n%%EOF\n"
        return self.made("document.mp4", lambda path: path.write_bytes(body))

    def long_tone(self, seconds: int, name: str = "long.wav") -> Path:
        tone = f"sine=frequency=220:sample_rate=16000:duration={seconds}"
        return self.made(name, lambda path: ffmpeg("-f", "lavfi", "-i", tone, path))

    def conversation(self, seconds: int = 60) -> Path:
        """A WebM (VP8/Opus, which every browser plays) of a test picture and a tone, as long
        as a short conversation: for pages that need a ready recording, not speech."""
        tone = f"sine=frequency=330:sample_rate=48000:duration={seconds}"
        picture = f"testsrc2=size=320x240:rate=10:duration={seconds}"
        vp8 = ("-c:v", "libvpx", "-b:v", "200k", "-deadline", "realtime", "-cpu-used", "8")
        return self.made(
            f"conversation-{seconds}s.webm",
            lambda path: ffmpeg(
                *("-f", "lavfi", "-i", picture, "-f", "lavfi", "-i", tone, *WITH_SOUND),
                *(*vp8, "-c:a", "libopus"),
                path,
            ),
        )


def long_speech(media: MediaSet, repeats: int = 7) -> Path:
    """The three sentences `repeats` times, about 10.7 s each: 4 (43 s) are two of the
    batched pipeline's 30 s clips of speech, enough to kill a worker between them."""
    listing = media.made(
        f"concat-{repeats}.txt",
        lambda path: path.write_text(f"file '{media.speech()}'\n" * repeats),
    )
    return media.made(
        f"long-speech-{repeats}.m4a",
        lambda path: ffmpeg("-f", "concat", "-safe", "0", "-i", listing, "-c:a", "aac", path),
    )


def speech_around_a_long_silence(media: MediaSet, folder: Path) -> tuple[Path, float]:
    """Speech, 60 s of quiet room noise (about -60 dBFS), the speech again, 20 s of silence.

    The noise has a fixed seed: with a new noise each run, the tests' tiny model once heard
    the first stretch as nothing (CI, 2026-12-06), and a test must hear the same thing twice.
    """
    import subprocess
    import wave

    spoken = media.speech()
    with wave.open(str(spoken)) as w:
        said, rate = w.getnframes() / w.getframerate(), w.getframerate()
    out = folder / "long-silence.wav"
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y", "-i", str(spoken),
            "-f", "lavfi", "-t", "60",
            "-i", f"anoisesrc=color=pink:amplitude=0.001:r={rate}:seed=1",
            "-i", str(spoken),
            "-f", "lavfi", "-t", "20", "-i", f"anullsrc=r={rate}:cl=mono",
            "-filter_complex", "[0:a][1:a][2:a][3:a]concat=n=4:v=0:a=1",
            "-ar", "16000", "-ac", "1", str(out),
        ],
        check=True,
    )  # fmt: skip
    return out, said
