"""The gettext catalogs (app/locale) are complete, current and right in both languages."""

import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from jinja2 import Template

from app.core.errors import BadInput
from app.core.i18n import FileSize, N_plural, translate, translate_plural, translations
from app.core.templates import env
from tests.support import ROOT

LOCALES = ROOT / "app" / "locale"
LANGS = ("da", "en")


def _po(lang: str) -> Catalog:
    with open(LOCALES / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def _ids(catalog: Catalog) -> set[object]:
    return {m.id for m in catalog if m.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What the code and templates use now: scripts/i18n's extraction, into a copy."""
    tree = tmp_path_factory.mktemp("i18n")
    for part in ("app", "workers", "templates", "scripts", "babel.cfg"):
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, tree / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tree / part)
    (tree / ".venv").symlink_to(ROOT / ".venv")
    subprocess.run(["bash", "scripts/i18n", "extract"], cwd=tree, check=True, capture_output=True)
    with open(tree / "app" / "locale" / "messages.pot", "rb") as f:
        return read_po(f)


def test_committed_pot_is_current(extracted: Catalog) -> None:
    with open(LOCALES / "messages.pot", "rb") as f:
        committed = read_po(f)
    missing = _ids(extracted) - _ids(committed)
    stale = _ids(committed) - _ids(extracted)
    assert not missing and not stale, f"run scripts/i18n update: new {missing}, gone {stale}"


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_translated(extracted: Catalog, lang: str) -> None:
    catalog = _po(lang)
    assert _ids(extracted) <= _ids(catalog), _ids(extracted) - _ids(catalog)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(message.id)
        if message.pluralizable and len(strings) != catalog.num_plurals:
            problems.append(message.id)
    assert not problems, f"{lang}: untranslated, fuzzy or missing plural forms: {problems}"
    assert catalog.plural_expr == "(n != 1)" and catalog.num_plurals == 2


def _key(value: object) -> object:
    return tuple(value) if isinstance(value, list | tuple) else value


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalog_matches_po(lang: str) -> None:
    with open(LOCALES / lang / "LC_MESSAGES" / "messages.mo", "rb") as f:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}
    source = {_key(m.id): _key(m.string) for m in _po(lang) if m.id and not m.fuzzy}
    assert compiled == source, "run scripts/i18n compile"


def test_english_is_the_source_text() -> None:
    """msgids are the English text, so en's translations are the msgids themselves."""
    wrong = [m.id for m in _po("en") if m.id and _key(m.string) != _key(m.id)]
    assert not wrong, wrong


def test_placeholders_match_between_languages() -> None:
    for message in _po("da"):
        if message.id and "python-format" in message.flags:
            assert not list(message.check(_po("da"))), message.id


def test_plurals_in_both_languages() -> None:
    entries = (
        "The log's chain is intact (%(num)d entry).",
        "The log's chain is intact (%(num)d entries).",
    )
    assert translate_plural(*entries, 1, "da") == "Loggens kæde er intakt (1 post)."
    assert translate_plural(*entries, 4, "da") == "Loggens kæde er intakt (4 poster)."
    assert translate_plural(*entries, 1, "en") == "The log's chain is intact (1 entry)."
    assert translate_plural(*entries, 0, "en") == "The log's chain is intact (0 entries)."
    page = env.from_string(
        '{{ ngettext("The recording will be deleted in %(num)d day (%(date)s).", '
        '"The recording will be deleted in %(num)d days (%(date)s).", n, date="x") }}'
    )
    assert page.render(lang="da", n=1) == "Optagelsen slettes om 1 dag (x)."
    assert page.render(lang="da", n=5) == "Optagelsen slettes om 5 dage (x)."
    assert page.render(lang="en", n=1) == "The recording will be deleted in 1 day (x)."


def test_an_error_is_shown_in_the_readers_language() -> None:
    error = BadInput(
        N_plural(
            "Too many failed attempts. Try again in %(num)d minute.",
            "Too many failed attempts. Try again in %(num)d minutes.",
        ),
        code="account.locked",
        num=1,
    )
    assert error.message("da") == "For mange forkerte forsøg. Prøv igen om 1 minut."
    assert error.message("en") == "Too many failed attempts. Try again in 1 minute."
    assert translate("The file is empty. Choose the recording again and retry.", "da").startswith(
        "Filen er tom"
    )
    assert translate("Child", "en") == "Child" and translate("Child", "da") == "Barn"
    assert translations("xx").gettext("Ready") == "Klar"  # unknown: Danish


def test_dates_numbers_and_sizes_in_the_readers_locale() -> None:
    night = datetime(2026, 6, 14, 22, 30, 5, tzinfo=UTC)  # 00:30 in Copenhagen (summer)
    template: Template = env.from_string(
        "{{ t | datetime }}|{{ t | datetime(seconds=true) }}|{{ t | date }}|{{ d | date }}"
        "|{{ x | number(1) }}|{{ s | duration }}|{{ b | filesize }}"
    )
    values = {"t": night, "d": date(2026, 1, 9), "x": 1234.5, "s": 300, "b": 4 * 1024**3}
    assert template.render(lang="da", **values) == (
        "15.06.2026 00.30|15.06.2026 00.30.05|15.06.2026|09.01.2026|1.234,5|5 minutter|4,0 GB"
    )
    assert template.render(lang="en", **values) == (
        "15/06/2026, 00:30|15/06/2026, 00:30:05|15/06/2026|09/01/2026|1,234.5|5 minutes|4.0 GB"
    )
    assert FileSize(2048).localized("da") == "2 KB"


def test_no_old_style_keys_remain() -> None:
    """Templates call _() and label(), never the old t("key")."""
    for path in Path(ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert " t(" not in text and "{{t(" not in text, path


def test_accept_language_is_read_by_preference() -> None:
    from app.core.i18n import accepted_language

    assert accepted_language("") == "da"
    assert accepted_language("en-GB,en;q=0.9,da;q=0.8") == "en"
    assert accepted_language("de-DE,de;q=0.9,en;q=0.7,da;q=0.8") == "da"
    assert accepted_language("fr, en;q=0") == "da"  # q=0: not acceptable
    assert accepted_language("nb-NO, en-US;q=0.5") == "en"


def test_the_chosen_language_follows_the_person_to_another_browser(sqlite_db: str) -> None:
    """Chosen once on one device, it is the language of the next login anywhere, before
    any cookie; a page before login follows the browser's Accept-Language."""
    from fastapi.testclient import TestClient

    from app.main import app
    from tests.support.accounts import login

    with TestClient(app) as first:
        login(first, "sara@kommune.test")
        assert "Optagelser" in first.get("/recordings").text
        first.get("/language/en?next=/recordings")
    with TestClient(app) as anonymous:
        page = anonymous.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
        assert 'lang="en"' in page.text
    with TestClient(app) as second:  # no language cookie here
        login(second, "sara@kommune.test")
        second.cookies.delete("lang")
        english = second.get("/recordings").text
        assert 'lang="en"' in english and "Recordings" in english
        assert second.get("/api/v1/me").json()["language"] == "en"
