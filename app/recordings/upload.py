"""Stream a multipart upload straight to disk, checking limits as the bytes arrive."""

import hashlib
import hmac
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from app.core.errors import BadInput, PayloadTooLarge, VideosparringError

FIELD_LIMIT = 16 * 1024  # bytes for any text field of the form
FIELDS_TOTAL_LIMIT = 64 * 1024  # bytes for all text fields together
FIELDS_MAX_COUNT = 32
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and headers around the file
FILE_FIELD = "file"
# Unicode categories never legitimate in a file name: control, format (bidi overrides,
# zero-width), surrogates, private use, unassigned.
FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
ENCODED_CONTROL = re.compile(r"%(?:[01][0-9a-fA-F]|7[fF])")


def human_size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            # Danish decimal comma: "4,0 GB".
            return f"{value:.0f} {unit}" if unit != "GB" else f"{value:.1f} GB".replace(".", ",")
        value /= 1024
    return f"{n} B"


def check_client_filename(raw: bytes) -> str:
    """Return a display-safe name, or refuse names that try something."""
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput("upload.bad_filename", detail="ugyldig UTF-8") from exc
    # Browsers and HTTP clients send control characters percent-encoded (%0A, %00).
    if "\x00" in name or ENCODED_CONTROL.search(name):
        raise BadInput("upload.bad_filename", detail="NUL/kontroltegn")
    if "/" in name or "\\" in name or name.strip(". ") == "":
        raise BadInput("upload.bad_filename", detail="sti")
    bad = sorted(
        {f"U+{ord(c):04X}" for c in name if unicodedata.category(c) in FORBIDDEN_CATEGORIES}
    )
    if bad:
        raise BadInput("upload.bad_filename", detail=", ".join(bad[:3]))
    name = unicodedata.normalize("NFC", name)
    if len(name.encode("utf-8")) > 255:
        raise BadInput("upload.bad_filename", detail="over 255 bytes")
    return name


@dataclass
class ReceivedUpload:
    """A file that has fully arrived in the upload folder, with the form's fields."""

    path: Path | None = None
    filename: str | None = None
    size: int = 0
    sha256: str = ""
    fields: dict[str, str] = field(default_factory=dict)

    def discard(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)


class _Receiver:
    def __init__(self, tmp_dir: Path, max_bytes: int, csrf_expected: str | None) -> None:
        self.tmp_dir = tmp_dir
        self.max_bytes = max_bytes
        # None: the request already proved itself (header); else the form's field must match.
        self.csrf_expected = csrf_expected
        self.result = ReceivedUpload()
        self._headers: dict[bytes, bytes] = {}
        self._header_field = b""
        self._header_value = b""
        self._part_name: str | None = None
        self._part_is_file = False
        self._field_buf = bytearray()
        self._fields_bytes = 0
        self._fh: BinaryIO | None = None
        self._hash = hashlib.sha256()
        self.error: VideosparringError | None = None

    # Parser callbacks: they may not raise through the C-less parser cleanly, so an error
    # is stored and raised by the caller after the write that caused it.
    def on_part_begin(self) -> None:
        self._headers = {}

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._header_field.strip().lower()] = self._header_value.strip()
        self._header_field = self._header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._part_name = options.get(b"name", b"").decode("utf-8", "replace")
        self._part_is_file = b"filename" in options and self._part_name == FILE_FIELD
        self._field_buf = bytearray()
        if not self._part_is_file:
            return
        if self.result.path is not None:
            self._fail(BadInput("upload.bad_form", detail="mere end én fil"))
            return
        sent = self.result.fields.get("csrf_token", "")
        if self.csrf_expected is not None and not hmac.compare_digest(
            sent.encode(), self.csrf_expected.encode()
        ):
            # Refused before a byte of the file is stored.
            self._fail(BadInput("csrf.invalid", status_code=403))
            return
        try:
            self.result.filename = check_client_filename(options[b"filename"])
        except VideosparringError as exc:
            self._fail(exc)
            return
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        # The server picks the name; the client's name is only ever displayed.
        self.result.path = self.tmp_dir / f"{uuid.uuid4().hex}.part"
        self._fh = self.result.path.open("wb")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.error is not None:
            return
        chunk = data[start:end]
        if self._part_is_file:
            assert self._fh is not None
            self.result.size += len(chunk)
            if self.result.size > self.max_bytes:
                self._fail(PayloadTooLarge("upload.too_large", limit=human_size(self.max_bytes)))
                return
            self._hash.update(chunk)
            self._fh.write(chunk)
        else:
            self._field_buf += chunk
            self._fields_bytes += len(chunk)
            if len(self._field_buf) > FIELD_LIMIT:
                self._fail(BadInput("field.too_long", field=self._part_name, max=FIELD_LIMIT))
            elif self._fields_bytes > FIELDS_TOTAL_LIMIT:
                # Many small fields must not fill the server's memory either.
                self._fail(BadInput("upload.bad_form", detail="for mange eller for store felter"))

    def on_part_end(self) -> None:
        if self.error is not None:
            return
        if self._part_is_file:
            self._close_file()
        elif self._part_name:
            if len(self.result.fields) >= FIELDS_MAX_COUNT:
                self._fail(BadInput("upload.bad_form", detail="for mange felter"))
                return
            try:
                self.result.fields[self._part_name] = self._field_buf.decode("utf-8")
            except UnicodeDecodeError:
                self._fail(BadInput("field.bad_chars", field=self._part_name))

    def _close_file(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
            self.result.sha256 = self._hash.hexdigest()

    def _fail(self, error: VideosparringError) -> None:
        if self.error is None:
            self.error = error

    def cleanup(self) -> None:
        self._close_file()
        self.result.discard()


async def receive_upload(
    request: Request, *, tmp_dir: Path, max_bytes: int, csrf_expected: str | None
) -> ReceivedUpload:
    """Read the request body once, as it streams; nothing is held in memory but a chunk."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise BadInput("upload.bad_form", detail="forventede multipart/form-data")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes + FORM_OVERHEAD:
        # Refuse before reading a byte when the client tells us the size up front.
        raise PayloadTooLarge("upload.too_large", limit=human_size(max_bytes))

    receiver = _Receiver(tmp_dir, max_bytes, csrf_expected)
    parser = MultipartParser(
        boundary,
        callbacks={  # type: ignore[arg-type]
            "on_part_begin": receiver.on_part_begin,
            "on_header_field": receiver.on_header_field,
            "on_header_value": receiver.on_header_value,
            "on_header_end": receiver.on_header_end,
            "on_headers_finished": receiver.on_headers_finished,
            "on_part_data": receiver.on_part_data,
            "on_part_end": receiver.on_part_end,
        },
    )
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            if receiver.error is not None:
                raise receiver.error
        parser.finalize()
        if receiver.error is not None:
            raise receiver.error
        if receiver._fh is not None:  # the body ended inside the file part
            raise BadInput("upload.bad_form", detail="upload afbrudt")
    except MultipartParseError as exc:
        receiver.cleanup()
        raise BadInput("upload.bad_form", detail=str(exc)[:120]) from exc
    except BaseException:
        # Client gone, limit passed, bad field: no partial file stays behind.
        receiver.cleanup()
        raise
    return receiver.result
