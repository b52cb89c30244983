"""The server secret given as a key file's contents (`SPARRING_SECRET_KEY=hex:...`) is that
file's key: an installation that began with `secret.key` in its data folder and moves to
containers or several machines keeps its audit chain and its signed tokens."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.core import secrets
from app.core.config import Settings, settings


@pytest.fixture
def own_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / secrets.SECRET_FILE_NAME
    monkeypatch.setattr(secrets, "secret_file", lambda: path)
    monkeypatch.setattr(settings, "secret_key", "")
    secrets.forget_cached()
    yield path
    secrets.forget_cached()


def test_a_key_files_contents_given_as_hex_are_the_same_key(
    own_key: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_file = secrets.sign("audit-chain", "entry")  # makes the file
    contents = own_key.read_text()
    own_key.unlink()
    monkeypatch.setattr(settings, "secret_key", f"hex:{contents}\n")
    secrets.forget_cached()
    assert secrets.sign("audit-chain", "entry") == from_file
    assert not own_key.exists()  # the configured key is used: no new file is made
    # The bare contents, without "hex:", are another key (the string's own bytes).
    monkeypatch.setattr(settings, "secret_key", contents)
    secrets.forget_cached()
    assert secrets.sign("audit-chain", "entry") != from_file


@pytest.mark.parametrize("value", ["hex:not-hex", "hex:abcd", "hex:"])
def test_a_hex_key_that_is_no_key_file_is_refused_at_start(value: str) -> None:
    with pytest.raises(ValidationError, match="key file's hex digits"):
        Settings(secret_key=value)
