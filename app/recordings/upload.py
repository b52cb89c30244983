"""Stream an upload straight to disk, checking limits as the bytes arrive.

Two ways in, same checks after:
- the fast path (the page's JavaScript, scripts): the request body is the file itself
  (`Content-Type: application/octet-stream`, `video/*` or `audio/*`), the form's fields
  URL-encoded in the `X-Upload-Fields` header, `filename` among them; the CSRF token must
  come in its header. No parsing: bytes go from the socket to the writer thread.
- a multipart form (the page without JavaScript), parsed as it streams.
"""

import hmac
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from app.core.errors import BadInput, InsufficientStorage, PayloadTooLarge, VideosparringError
from app.core.i18n import N_, FileSize
from app.core.text import field_bad_chars, field_too_long
from app.recordings.storage import PartFile, is_disk_full

FIELD_LIMIT = 16 * 1024  # bytes for any text field of the form
FIELDS_TOTAL_LIMIT = 64 * 1024  # bytes for all text fields together
FIELDS_MAX_COUNT = 32
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and headers around the file
FILE_FIELD = "file"
FIELDS_HEADER = "x-upload-fields"
RAW_TYPES = ("application/octet-stream", "video/", "audio/")
# Unicode categories never legitimate in a file name: control, format (bidi overrides,
# zero-width), surrogates, private use, unassigned.
FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
ENCODED_CONTROL = re.compile(r"%(?:[01][0-9a-fA-F]|7[fF])")


def check_client_filename(raw: bytes) -> str:
    """Return a display-safe name, or refuse names that try something."""
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(
            N_(
                "The file name contains characters that are not allowed "
                "(%(detail)s). Rename the file and retry."
            ),
            code="upload.bad_filename",
            detail=N_("invalid UTF-8"),
        ) from exc
    # Browsers and HTTP clients send control characters percent-encoded (%0A, %00).
    if "\x00" in name or ENCODED_CONTROL.search(name):
        raise BadInput(
            N_(
                "The file name contains characters that are not allowed "
                "(%(detail)s). Rename the file and retry."
            ),
            code="upload.bad_filename",
            detail=N_("NUL or control characters"),
        )
    if "/" in name or "\\" in name or name.strip(". ") == "":
        raise BadInput(
            N_(
                "The file name contains characters that are not allowed "
                "(%(detail)s). Rename the file and retry."
            ),
            code="upload.bad_filename",
            detail=N_("a folder path"),
        )
    bad = sorted(
        {f"U+{ord(c):04X}" for c in name if unicodedata.category(c) in FORBIDDEN_CATEGORIES}
    )
    if bad:
        raise BadInput(
            N_(
                "The file name contains characters that are not allowed "
                "(%(detail)s). Rename the file and retry."
            ),
            code="upload.bad_filename",
            detail=", ".join(bad[:3]),
        )
    name = unicodedata.normalize("NFC", name)
    if len(name.encode("utf-8")) > 255:
        raise BadInput(
            N_(
                "The file name contains characters that are not allowed "
                "(%(detail)s). Rename the file and retry."
            ),
            code="upload.bad_filename",
            detail=N_("over 255 bytes"),
        )
    return name


@dataclass
class ReceivedUpload:
    """A file that has fully arrived in the upload folder, with the form's fields.

    Its `.part` file stays locked until `release()` (stored) or `discard()`.
    """

    part: PartFile | None = None
    filename: str | None = None
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> Path | None:
        return self.part.path if self.part is not None else None

    @property
    def size(self) -> int:
        return self.part.size if self.part is not None else 0

    @property
    def sha256(self) -> str:
        return self.part.sha256 if self.part is not None else ""

    def shown_fields(self) -> dict[str, str]:
        """What a page may show again beside an error: every field but the token."""
        return {k: v for k, v in self.fields.items() if k != "csrf_token"}

    def discard(self) -> None:
        if self.part is not None:
            self.part.discard()

    def release(self) -> None:
        if self.part is not None:
            self.part.release()


def bad_form(detail: str) -> BadInput:
    """The form itself cannot be read; `detail` (marked with N_() where it is ours) says why."""
    return BadInput(
        N_("The upload form could not be read (%(detail)s)."), code="upload.bad_form", detail=detail
    )


def disk_full(upload: ReceivedUpload) -> InsufficientStorage:
    """The refusal when the disk filled up: nothing kept, the form shown again filled in."""
    error = InsufficientStorage(
        N_(
            "The server has no room for the recording right now, so "
            "nothing was kept. Try again later, and ask IT to free space "
            "for recordings."
        ),
        code="upload.disk_full",
    )
    error.form_values = upload.shown_fields()
    return error


def _refuse_if_too_large(received: int, max_bytes: int) -> None:
    if received > max_bytes:
        raise PayloadTooLarge(
            N_(
                "The file is larger than the limit of %(limit)s. Split the recording or contact IT."
            ),
            code="upload.too_large",
            limit=FileSize(max_bytes),
        )


class _Receiver:
    def __init__(
        self, result: ReceivedUpload, tmp_dir: Path, max_bytes: int, csrf_expected: str | None
    ) -> None:
        self.result = result
        self.tmp_dir = tmp_dir
        self.max_bytes = max_bytes
        # None: the request already proved itself (header); else the form's field must match.
        self.csrf_expected = csrf_expected
        self.writing: PartFile | None = None
        self._headers: dict[bytes, bytes] = {}
        self._header_field = b""
        self._header_value = b""
        self._part_name: str | None = None
        self._part_is_file = False
        self._field_buf = bytearray()
        self._fields_bytes = 0
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
        if self.result.part is not None:
            self._fail(bad_form(N_("more than one file")))
            return
        sent = self.result.fields.get("csrf_token", "")
        if self.csrf_expected is not None and not hmac.compare_digest(
            sent.encode(), self.csrf_expected.encode()
        ):
            # Refused before a byte of the file is stored.
            self._fail(
                BadInput(
                    N_(
                        "The form has expired or came from another site. Reload the "
                        "page and try again."
                    ),
                    code="csrf.invalid",
                    status_code=403,
                )
            )
            return
        try:
            self.result.filename = check_client_filename(options[b"filename"])
        except VideosparringError as exc:
            self._fail(exc)
            return
        # The server picks the name; the client's name is only ever displayed.
        self.result.part = self.writing = PartFile(self.tmp_dir)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.error is not None:
            return
        if self._part_is_file:
            assert self.writing is not None
            if self.writing.size + (end - start) > self.max_bytes:
                self._fail(
                    PayloadTooLarge(
                        N_(
                            "The file is larger than the limit of %(limit)s. Split the "
                            "recording or contact IT."
                        ),
                        code="upload.too_large",
                        limit=FileSize(self.max_bytes),
                    )
                )
                return
            self.writing.feed(memoryview(data)[start:end])
        else:
            self._field_buf += data[start:end]
            self._fields_bytes += end - start
            if len(self._field_buf) > FIELD_LIMIT:
                self._fail(field_too_long(self._part_name or "", FIELD_LIMIT))
            elif self._fields_bytes > FIELDS_TOTAL_LIMIT:
                # Many small fields must not fill the server's memory either.
                self._fail(bad_form(N_("too many or too large fields")))

    def on_part_end(self) -> None:
        if self.error is not None:
            return
        if self._part_is_file:
            self.writing = None
        elif self._part_name:
            if len(self.result.fields) >= FIELDS_MAX_COUNT:
                self._fail(bad_form(N_("too many fields")))
                return
            try:
                self.result.fields[self._part_name] = self._field_buf.decode("utf-8")
            except UnicodeDecodeError:
                self._fail(field_bad_chars(self._part_name))

    def _fail(self, error: VideosparringError) -> None:
        if self.error is None:
            self.error = error


def _expect_size(request: Request, max_bytes: int, overhead: int) -> None:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes + overhead:
        # Refuse before reading a byte when the client tells us the size up front.
        raise PayloadTooLarge(
            N_(
                "The file is larger than the limit of %(limit)s. Split the recording or contact IT."
            ),
            code="upload.too_large",
            limit=FileSize(max_bytes),
        )


def is_raw_upload(request: Request) -> bool:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type.startswith(RAW_TYPES)


MAX_BOUNDARY = 70


async def receive_upload(
    request: Request, *, tmp_dir: Path, max_bytes: int, csrf_expected: str | None
) -> ReceivedUpload:
    """Read the request body once, as it streams, into a `.part` file; a full disk is 507."""
    upload = ReceivedUpload()
    try:
        if is_raw_upload(request):
            if csrf_expected is not None:  # a raw body has no form field to carry the token
                raise BadInput(
                    N_(
                        "The form has expired or came from another site. Reload the "
                        "page and try again."
                    ),
                    code="csrf.invalid",
                    status_code=403,
                )
            await _receive_raw(request, upload, tmp_dir, max_bytes)
        else:
            await _receive_multipart(request, upload, tmp_dir, max_bytes, csrf_expected)
    except OSError as exc:
        upload.discard()
        if not is_disk_full(exc):
            raise
        raise disk_full(upload) from exc
    except VideosparringError as exc:
        upload.discard()
        exc.form_values = upload.shown_fields()  # the page shows the form again, filled in
        raise
    except BaseException:
        # Client gone, limit passed, bad field: no partial file stays behind.
        upload.discard()
        raise
    return upload


def raw_fields(request: Request) -> tuple[dict[str, str], str]:
    """The form's fields from `X-Upload-Fields` (URL-encoded UTF-8), and the file name."""
    header = request.headers.get(FIELDS_HEADER, "")
    if len(header) > FIELDS_TOTAL_LIMIT:
        raise bad_form(N_("too many or too large fields"))
    try:
        pairs = parse_qsl(
            header,
            keep_blank_values=True,
            max_num_fields=FIELDS_MAX_COUNT,
            encoding="utf-8",
            errors="strict",
        )
    except UnicodeDecodeError as exc:
        raise bad_form(N_("fields are not UTF-8")) from exc
    except ValueError as exc:
        raise bad_form(N_("too many fields")) from exc
    fields: dict[str, str] = {}
    for name, value in pairs:
        if len(value.encode()) > FIELD_LIMIT:
            raise field_too_long(name[:64], FIELD_LIMIT)
        fields[name] = value
    filename = fields.pop("filename", "")
    if not filename:
        raise bad_form(N_("filename missing in X-Upload-Fields"))
    return fields, check_client_filename(filename.encode("utf-8", "surrogatepass"))


async def _receive_raw(
    request: Request, upload: ReceivedUpload, tmp_dir: Path, max_bytes: int
) -> None:
    _expect_size(request, max_bytes, 0)
    upload.fields, upload.filename = raw_fields(request)
    upload.part = part = PartFile(tmp_dir)
    async for chunk in request.stream():
        _refuse_if_too_large(part.size + len(chunk), max_bytes)
        part.feed(chunk)
        if part.block_ready:
            await part.drain()
    await part.drain(final=True)


async def _receive_multipart(
    request: Request,
    upload: ReceivedUpload,
    tmp_dir: Path,
    max_bytes: int,
    csrf_expected: str | None,
) -> None:
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise bad_form(N_("expected multipart/form-data"))
    if len(boundary) > MAX_BOUNDARY:  # RFC 2046: 1-70 characters; the parser's limit is 256
        raise bad_form(N_("the form boundary is too long"))
    _expect_size(request, max_bytes, FORM_OVERHEAD)

    receiver = _Receiver(upload, tmp_dir, max_bytes, csrf_expected)
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
            if upload.part is not None and upload.part.block_ready:
                await upload.part.drain()
        parser.finalize()
    except MultipartParseError as exc:
        raise bad_form(str(exc)[:120]) from exc
    if receiver.error is not None:
        raise receiver.error
    if receiver.writing is not None:  # the body ended inside the file part
        raise bad_form(N_("the upload was interrupted"))
    if upload.part is not None:
        await upload.part.drain(final=True)
