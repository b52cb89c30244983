"""The server's secret: keys for CSRF tokens and the audit chain, never in the database.

Someone who can write to the database must not be able to forge what these keys sign, so
the secret lives in a setting (`SPARRING_SECRET_KEY`) or in a file in the data folder that
only the service's own user can read. Each purpose gets its own derived key.
"""

import hashlib
import hmac
import os
import secrets
from functools import cache
from pathlib import Path

from app.core.config import settings

SECRET_FILE_NAME = "secret.key"


def secret_file() -> Path:
    return settings.resolved_data_dir / SECRET_FILE_NAME


@cache
def _master_key(configured: str, path: str) -> bytes:
    if configured.startswith("hex:"):  # a key file's contents, the file's own key
        return bytes.fromhex(configured.removeprefix("hex:").strip())
    if configured:
        return configured.encode()
    file = Path(path)
    try:
        return bytes.fromhex(file.read_text().strip())
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(32)
    # O_EXCL: when several processes start at once, one writes and the others read it.
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(file.read_text().strip())
    with os.fdopen(fd, "w") as out:
        out.write(key.hex())
    return key


def derived_key(purpose: str) -> bytes:
    """A key for one purpose ("csrf", "audit-chain", ...), derived from the server secret."""
    master = _master_key(settings.secret_key, str(secret_file()))
    return hmac.new(master, purpose.encode(), hashlib.sha256).digest()


def sign(purpose: str, message: str | bytes) -> str:
    """Hex HMAC-SHA256 of `message` under the purpose's key."""
    data = message.encode() if isinstance(message, str) else message
    return hmac.new(derived_key(purpose), data, hashlib.sha256).hexdigest()


def forget_cached() -> None:
    """Read the secret again (a restore has put the installation's own back in place)."""
    _master_key.cache_clear()
