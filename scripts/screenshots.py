"""Full-page screenshots of every page, for people to look at (not part of the suite).

    .venv/bin/python scripts/screenshots.py [FOLDER]   (default /work/notes/shots/all/)

Starts the app on a throwaway data folder (the tests' set-up: tests/conftest.py points the
settings at a temporary folder when imported), with the base users, a ready recording with a
transcript shared with the supervisor, one whose processing failed, one still waiting, and a
team. Then, for each size (1366x768, 820x1180) and language (da, en), saves every page as
PAGE-SIZE-LANG.png and prints the pages that scroll sideways or cut a table.
"""

import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import environment  # noqa: E402  (sets the data folder before the app is imported)
from tests.support.accounts import live_client, user_id  # noqa: E402
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.support.database import migrate  # noqa: E402
from tests.support.jobs import process_queued_jobs  # noqa: E402
from tests.support.media import FORMATS, MediaSet  # noqa: E402
from tests.support.recordings import upload  # noqa: E402
from tests.support.servers import app_env, serving  # noqa: E402

SIZES = {"1366": (1366, 768), "820": (820, 1180)}
LANGS = ("da", "en")
# What a page looks like when it scrolls sideways, or when a table is wider than its box
# and nothing around it scrolls.
LAYOUT = """() => {
  const doc = document.documentElement;
  const cut = [], scrolled = [];
  for (const t of document.querySelectorAll('table')) {
    let box = t.parentElement;
    while (box && getComputedStyle(box).overflowX === 'visible') box = box.parentElement;
    const name = t.className || 'table';
    if (box && box !== doc && box !== document.body) {
      const hidden = box.scrollWidth - box.clientWidth;
      if (hidden > 1) scrolled.push(`${name} (${hidden} px)`);
    } else if (t.getBoundingClientRect().right > doc.clientWidth + 1) cut.push(name);
  }
  return {sideways: doc.scrollWidth - doc.clientWidth, cut, scrolled};
}"""


def seed(base: str, media: MediaSet) -> dict[str, str]:
    """Recordings in each state, a share and a team; their ids by name."""
    from app.accounts import service as accounts
    from app.core.config import settings
    from app.core.db import session_scope
    from app.media import store as media_store
    from app.media.store import object_key
    from app.recordings import storage

    api = live_client(base, "caseworker")
    consent = {"consent_child": "on", "consent_custody": "on"}

    def send(path: Path, title: str, case: str, language: str = "en") -> str:
        res = upload(api, path, title=title, case_reference=case, language=language,
                     extra={**consent, "consent_date": date.today().isoformat()})  # fmt: skip
        assert res.status_code == 201, res.text
        return str(res.json()["id"])

    ready = send(media.encoded(FORMATS[0]), "Samtale med Ida om skolen", "SAG-2026-0142")
    failed = send(media.encoded(FORMATS[5]), "Opfølgende samtale", "SAG-2026-0143")
    # The stored original goes bad before a worker gets to it: its job fails.
    spoilt = settings.upload_tmp_dir / "spoilt.part"
    spoilt.write_bytes(b"not media any more" * 100)
    media_store.current().keep(
        object_key(failed, storage.ORIGINAL), spoilt, content_type="video/mp4"
    )
    print("jobs:", process_queued_jobs())
    waiting = send(media.encoded(FORMATS[5]), "Samtale med familien", "SAG-2026-0150", "da")
    shared = api.post(f"/api/v1/recordings/{ready}/shares", json={"user_id": user_id("supervisor")})
    assert shared.status_code == 201, shared.text
    with session_scope() as session:
        team = accounts.create_team(session=session, name="Familieafdelingen Nord")
        session.flush()
        accounts.set_members(
            session=session, team=team, user_ids=[user_id("caseworker"), user_id("supervisor")]
        )
    api.close()
    return {"ready": ready, "failed": failed, "waiting": waiting}


def pages(ids: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    """Who sees which page: role -> (name, path)."""
    account = [("password", "/account/password"), ("error-404", "/no-such-page")]
    return {
        "anonymous": [("login", "/login")],
        "caseworker": [
            ("list", "/recordings"),
            ("upload", "/recordings/new"),
            ("recording", f"/recordings/{ids['ready']}"),
            ("recording-failed", f"/recordings/{ids['failed']}"),
            ("recording-waiting", f"/recordings/{ids['waiting']}"),
            *account,
        ],
        "caseworker2": [("list-empty", "/recordings")],
        "supervisor": [
            ("list-supervisor", "/recordings"),
            ("recording-shared", f"/recordings/{ids['ready']}"),
        ],
        "administrator": [
            ("admin-users", "/admin/users"),
            ("admin-teams", "/admin/teams"),
            ("admin-settings", "/admin/settings"),
            ("admin-audit", "/admin/audit"),
            ("admin-recordings", "/recordings"),
        ],
        "leader": [("leader", "/leader")],
    }


def shoot(base: str, ids: dict[str, str], media: MediaSet, out: Path) -> list[str]:
    from playwright.sync_api import sync_playwright

    from tests.support.browser import log_in, show_upload_error

    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for size, (width, height) in SIZES.items():
            for role, shown in pages(ids).items():
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                page.set_default_timeout(20_000)
                if role != "anonymous":
                    log_in(page, base, role)
                for lang in LANGS:
                    for name, path in shown:
                        page.goto(f"{base}{path}?lang={lang}")
                        page.wait_for_load_state("load")
                        problems += save(page, out, name, size, lang)
                    if role == "caseworker":
                        show_upload_error(page, f"{base}/recordings/new?lang={lang}", media)
                        problems += save(page, out, "upload-error", size, lang)
                context.close()
        browser.close()
    return problems


def save(page, out: Path, name: str, size: str, lang: str) -> list[str]:  # type: ignore[no-untyped-def]
    path = out / f"{name}-{size}-{lang}.png"
    page.screenshot(path=str(path), full_page=True)
    layout = page.evaluate(LAYOUT)
    found = []
    if layout["sideways"] > 0:
        found.append(f"{path.name}: the page scrolls sideways by {layout['sideways']} px")
    if layout["cut"]:
        found.append(f"{path.name}: tables cut off, nothing scrolls: {layout['cut']}")
    if layout["scrolled"]:
        found.append(f"{path.name}: tables scroll sideways in their box: {layout['scrolled']}")
    return found


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/notes/shots/all")
    out.mkdir(parents=True, exist_ok=True)
    from app.core.config import settings

    data = Path(str(environment.DATA))
    url = f"sqlite:///{data / 'videosparring.db'}"
    migrate(url)
    settings.database_url = url
    media = MediaSet(data.parent / f"{data.name}-media")
    with serving(app_env(SPARRING_DATABASE_URL=url)) as base:
        ids = seed(base, media)
        problems = shoot(base, ids, media, out)
    print(f"{len(list(out.glob('*.png')))} screenshots in {out}")
    print("\n".join(problems) or "no page scrolls sideways; no table is cut or scrolls")


if __name__ == "__main__":
    main()
