"""Streaming encryption: AES-256-GCM over 1 MiB chunks, each with its own nonce (a random
prefix per file and the chunk's number) and the file's label, the chunk's number and whether
it is the last in the authenticated data, so that a chunk cannot be changed, moved, dropped
or the file cut short without the decryption failing. A 50 GB object needs 1 MiB of memory."""

import base64
import hashlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"VSBACKUP1\n"
CHUNK = 1 << 20
PREFIX = 8  # random bytes per file; then a 4-byte chunk number: the 12-byte nonce
TAG = 16


class Damaged(Exception):
    """The backup was changed, cut short, or the key is not the one it was made with."""


def new_key_file(path: Path) -> None:
    """A new random key, base64, readable by its owner alone; never over an existing one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(base64.b64encode(os.urandom(32)).decode() + "\n")


def read_key(path: Path) -> bytes:
    key = base64.b64decode(path.read_text().strip(), validate=True)
    if len(key) != 32:
        raise ValueError("a backup key is 32 bytes, base64")
    return key


def _aad(label: str, index: int, last: bool) -> bytes:
    return label.encode() + b"\0" + index.to_bytes(4, "big") + (b"\1" if last else b"\0")


def _chunks(source: Iterable[bytes]) -> Iterator[tuple[bytes, bool]]:
    """The source's bytes in CHUNK pieces, each with whether it is the last (an empty source
    is one empty last piece)."""
    buffer = b""
    pending: bytes | None = None
    for piece in source:
        buffer += piece
        while len(buffer) >= CHUNK:
            if pending is not None:
                yield pending, False
            pending, buffer = buffer[:CHUNK], buffer[CHUNK:]
    if buffer or pending is None:
        if pending is not None:
            yield pending, False
        yield buffer, True
    else:
        yield pending, True


def encrypt(key: bytes, label: str, source: Iterable[bytes], out: BinaryIO) -> tuple[str, int]:
    """Write the source encrypted; the plaintext's SHA-256 and size."""
    aes, prefix = AESGCM(key), os.urandom(PREFIX)
    digest, size = hashlib.sha256(), 0
    out.write(MAGIC + prefix)
    for index, (chunk, last) in enumerate(_chunks(source)):
        digest.update(chunk)
        size += len(chunk)
        sealed = aes.encrypt(prefix + index.to_bytes(4, "big"), chunk, _aad(label, index, last))
        out.write(len(sealed).to_bytes(4, "big") + sealed)
    return digest.hexdigest(), size


def decrypt(key: bytes, label: str, source: BinaryIO) -> Iterator[bytes]:
    """The plaintext, chunk by chunk; Damaged the moment anything does not authenticate."""
    if source.read(len(MAGIC)) != MAGIC:
        raise Damaged(f"{label}: not a Videosparring backup file")
    aes, prefix = AESGCM(key), source.read(PREFIX)
    index, last = 0, False
    while not last:
        head = source.read(4)
        if len(head) != 4:
            raise Damaged(f"{label}: cut short")
        length = int.from_bytes(head, "big")
        if not TAG <= length <= CHUNK + TAG:
            raise Damaged(f"{label}: a chunk of an impossible size")
        sealed = source.read(length)
        nonce = prefix + index.to_bytes(4, "big")
        for last in (False, True):  # which it is, is authenticated too
            try:
                chunk = aes.decrypt(nonce, sealed, _aad(label, index, last))
                break
            except InvalidTag:
                continue
        else:
            raise Damaged(f"{label}: chunk {index} was changed, or the key is another")
        yield chunk
        index += 1
    if source.read(1):
        raise Damaged(f"{label}: bytes after the end")
