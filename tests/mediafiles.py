"""Real media, made at test time: espeak-ng speaks, ffmpeg encodes each device format."""

import subprocess
from dataclasses import dataclass
from pathlib import Path

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

# What phones, tablets, laptops and browsers produce.
FORMATS = [
    Format("mp4-h264-aac", ".mp4", (*H264, "-c:a", "aac"), True),
    Format(
        "mov-hevc-aac",
        ".mov",
        (
            "-c:v",
            "libx265",
            "-tag:v",
            "hvc1",
            "-pix_fmt",
            "yuv420p",
            "-x265-params",
            "log-level=error",
            "-c:a",
            "aac",
        ),
        True,
    ),
    Format("mov-h264-aac", ".mov", (*H264, "-c:a", "aac"), True),
    Format("webm-vp8-opus", ".webm", ("-c:v", "libvpx", "-b:v", "300k", "-c:a", "libopus"), True),
    Format(
        "webm-vp9-opus",
        ".webm",
        (
            "-c:v",
            "libvpx-vp9",
            "-b:v",
            "300k",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-c:a",
            "libopus",
        ),
        True,
    ),
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
    """Makes each file once per test session, on first use."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def speech(self, lang: str = "en") -> Path:
        path = self.folder / f"speech-{lang}.wav"
        if not path.exists():
            voice, text = ("en-us", SPEECH_EN) if lang == "en" else ("da", SPEECH_DA)
            run("espeak-ng", "-v", voice, "-s", "150", "-w", str(path), text)
        return path

    def encoded(self, fmt: Format, lang: str = "en") -> Path:
        path = self.folder / f"{fmt.name}-{lang}{fmt.suffix}"
        if not path.exists():
            speech = self.speech(lang)
            if fmt.video:
                ffmpeg(*TEST_PICTURE, "-i", speech, *WITH_SOUND, *fmt.args, path)
            else:
                ffmpeg("-i", speech, "-map", "0:a", *fmt.args, path)
        return path

    def video_without_audio(self) -> Path:
        path = self.folder / "silent-video.mp4"
        if not path.exists():
            ffmpeg(*TEST_PICTURE, "-t", "3", *H264, path)
        return path

    def truncated_mp4(self) -> Path:
        """An MP4 cut off half way, its index (moov) lost: what an aborted copy leaves."""
        path = self.folder / "truncated.mp4"
        if not path.exists():
            data = self.encoded(FORMATS[0]).read_bytes()
            path.write_bytes(data[: len(data) // 2])
        return path

    def corrupt_webm(self) -> Path:
        """A WebM whose header bytes are overwritten with noise."""
        path = self.folder / "corrupt.webm"
        if not path.exists():
            data = bytearray(self.encoded(FORMATS[3]).read_bytes())
            data[0:4096] = bytes((i * 7919) % 251 for i in range(4096))
            path.write_bytes(bytes(data))
        return path

    def fake_pdf(self) -> Path:
        path = self.folder / "document.mp4"
        if not path.exists():
            body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"0" * 4000 + b"\n%%EOF\n"
            path.write_bytes(body)
        return path

    def long_tone(self, seconds: int, name: str = "long.wav") -> Path:
        path = self.folder / name
        if not path.exists():
            tone = f"sine=frequency=220:sample_rate=16000:duration={seconds}"
            ffmpeg("-f", "lavfi", "-i", tone, path)
        return path

    def conversation(self, seconds: int = 60) -> Path:
        """A WebM (VP8/Opus, which every browser plays) of a test picture and a tone, as long
        as a short conversation: for pages that need a ready recording, not speech."""
        path = self.folder / f"conversation-{seconds}s.webm"
        if not path.exists():
            tone = f"sine=frequency=330:sample_rate=48000:duration={seconds}"
            picture = f"testsrc2=size=320x240:rate=10:duration={seconds}"
            ffmpeg(
                "-f",
                "lavfi",
                "-i",
                picture,
                "-f",
                "lavfi",
                "-i",
                tone,
                *WITH_SOUND,
                "-c:v",
                "libvpx",
                "-b:v",
                "200k",
                "-deadline",
                "realtime",
                "-cpu-used",
                "8",
                "-c:a",
                "libopus",
                path,
            )
        return path
