"""Every page a person uses, at the four sizes people use them (issue 19, point 2): a laptop
(1366×768), a tablet upright (820×1180) and on its side (1180×820), and a phone (390×844),
in Danish, for each role. On each: the page does not scroll sideways, nothing readable
sticks out past the window's right edge unless it is inside a scroll region a keyboard can
reach, and a full-page screenshot is kept (test-artifacts/sizes/) for people to look at.

The recording, its clip and a team session come from the factories (no Whisper).
"""

from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page

from tests.support.accounts import user_id
from tests.support.browser import ARTIFACTS
from tests.support.factories import ready_recording
from tests.support.media import MediaSet
from tests.support.sessions import later, make_clip, share_clip

pytestmark = pytest.mark.browser

SIZES = {"laptop": (1366, 768), "upright": (820, 1180), "side": (1180, 820), "phone": (390, 844)}
SHOTS = ARTIFACTS / "sizes"

# Readable things past the window's right edge that are not inside a region that scrolls.
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p); if (/(auto|scroll)/.test(s.overflowX)) return true; }
    return false; };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!el.checkVisibility || !el.checkVisibility()) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const control = ['INPUT', 'SELECT', 'TEXTAREA', 'BUTTON', 'VIDEO', 'IMG'].includes(el.tagName);
    if (!own && !control) continue;
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1 && !scrolls(el))
      out.push(el.tagName + '.' + el.className + ': ' + (el.textContent || '').trim().slice(0, 30));
  }
  return out; }"""


@pytest.fixture(scope="module")
def scene(api: httpx.Client, media: MediaSet) -> dict[str, str]:
    """A ready recording of the caseworker's, shared with the supervisor, a clip of it, and a
    team session on the clip; the paths of their pages."""
    rid = ready_recording(api, media, title="Samtale med Ida om skolen", case_reference="SAG-77")
    shared = api.post(f"/api/v1/recordings/{rid}/shares", json={"user_id": user_id("supervisor")})
    assert shared.status_code == 201, shared.text
    owner = user_id("caseworker")
    clip = make_clip(rid, owner)
    share_clip(clip, user_id("caseworker2"), owner)
    planned = api.post(
        "/api/v1/sessions",
        json={
            "kind": "team",
            "recording_id": rid,
            "clip_id": clip,
            "user_ids": [user_id("caseworker2")],
            "starts_at": later(),
            "question": "Hvordan åbner jeg samtalen?",
        },
    )
    assert planned.status_code == 201, planned.text
    return {
        "recording": f"/recordings/{rid}",
        "clip": f"/clips/{clip}",
        "session": f"/sessions/{planned.json()['id']}",
        "sparring": f"/recordings/{rid}/sparring",
    }


def pages_of(who: str, scene: dict[str, str]) -> list[tuple[str, str]]:
    """(name, path) of the pages this role uses."""
    own = [("notifications", "/notifications"), ("password", "/account/password"),
           ("second-factor", "/account/second-factor")]  # fmt: skip
    if who == "caseworker":
        return [
            ("recordings", "/recordings"),
            ("upload", "/recordings/new"),
            ("record", "/recordings/record"),
            ("recording", scene["recording"]),
            ("sparring", scene["sparring"]),
            ("clip", scene["clip"]),
            ("sessions", "/sessions"),
            ("plan-session", "/sessions/new"),
            ("session", scene["session"]),
            *own,
        ]
    if who == "supervisor":
        return [("recordings", "/recordings"), ("recording", scene["recording"]), *own]
    if who == "leader":
        return [("start", "/"), *own]
    return [
        ("users", "/admin/users"),
        ("teams", "/admin/teams"),
        ("criteria", "/admin/criteria"),
        ("audit", "/admin/audit"),
        ("settings", "/admin/settings"),
        *own,
    ]


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("who", ["caseworker", "supervisor", "leader", "administrator"])
def test_every_page_fits_each_size(
    tab_for: Callable[..., Page], scene: dict[str, str], shared_db: str, who: str, size: str
) -> None:
    tab = tab_for(who, SIZES[size])
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: dict[str, object] = {}
    for name, path in pages_of(who, scene):
        response = tab.goto(shared_db + path)
        assert response is not None and response.status == 200, (path, response)
        tab.wait_for_load_state("load")
        sideways = tab.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if sideways > 0:
            problems[f"{name}: scrolls sideways"] = sideways
        if out := tab.evaluate(STICKING_OUT):
            problems[f"{name}: past the right edge"] = out[:5]
        for wrap in tab.query_selector_all(".table-wrap"):  # a scrolling table: reachable
            wider = wrap.evaluate("w => w.scrollWidth > w.clientWidth + 1")
            if wider and wrap.get_attribute("tabindex") != "0":
                problems[f"{name}: a scrolling table the keyboard cannot reach"] = True
        tab.screenshot(path=str(SHOTS / f"{who}-{name}-{size}.png"), full_page=True)
    assert not problems, problems
