"""Who gets what: every route and page, every role, own, shared and someone else's recording.

MATRIX holds the expected answer for each route (API and HTML, media included) and each
actor. The route list is read from the app itself, so a new route without an entry in the
matrix fails `test_every_route_has_a_matrix_entry`.

Actors, in the column order of MATRIX:

  anonymous  no session (but a valid CSRF token, so that the login check is what answers)
  owner      the caseworker who uploaded the recording          (BASE_USERS["caseworker"])
  shared     a supervisor the owner shared the recording with   (BASE_USERS["supervisor"])
  other      another caseworker: someone else's recording       (BASE_USERS["caseworker2"])
  admin      the administrator; not shared with, so no access   (BASE_USERS["administrator"])
  leader     the leader: aggregate figures only, never a recording (BASE_USERS["leader"])

For routes that have nothing to do with a recording the columns simply are those roles.

Cells: an HTTP status, or (status, start of the Location header). 302 always means "a page
sent an anonymous visitor to /login?next=…" and is checked as such. The API answers an
anonymous caller 401, and a recording the caller may not see 404 (as if it did not exist);
owner-only actions asked for by someone the recording is shared with answer 403. A row
names the rule its route follows (SEEN, OWNER, ADMIN_PAGE, …: the answers most routes give)
or spells out its own answers; the routes that feedback on a clip, a session and a
recording have in common come from `feedback_rows`, the shares of a recording and of a
clip from `share_rows`, and `feedback_calls` calls the former.

Beside the status, every cell checks that nobody who may not see the recording gets its
title, case reference or transcript text in any answer, and that whatever a viewer gets of a
recording is marked no-store. Destructive routes act on a recording of their own.

Further down: the CSRF token on every state-changing route; team shares (the members it
covered when made, gone the moment a membership or share ends, and a later member only once
the owner confirms them; tests/test_admin_access.py has the administrator's routes);
withdrawn personal shares; share and segment
ids of someone else's recording used through one's own; leaders with a share; role changes
and deactivation; and the core visibility rules on SQLite and PostgreSQL.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.access.models import Share
from app.accounts.models import Role, SecondFactorRemoval
from app.core.db import session_scope
from app.sessions.models import SessionParticipant
from tests.support import clips, feedback, selfassessment, sessions, tus
from tests.support.access import (
    ACTORS,
    CASE_REFERENCE,
    TITLE,
    Response,
    actor_clients,
    app_routes,
    email_of,
    new_recording,
    ready_recording,
    upload_file,
)
from tests.support.accounts import (
    BASE_USERS,
    PASSWORD,
    ClientFactory,
    make_team,
    make_user,
    set_members,
    user_id,
)
from tests.support.factories import SPOKEN_EN, analysed, make_ready
from tests.support.media import MediaSet
from tests.support.protection import approve_protected
from tests.support.recordings import share

LOGIN = 302  # a page: redirect to /login?next=…
Row = tuple[int | tuple[int, str], ...]
# The answers most routes give: one rule each, named in the rows of MATRIX. "It" is the
# recording, the clip or the session a route is about; 404 answers as if it did not exist.
# fmt: off
#                  anonymous owner shared other admin leader
ANYONE =           (401,   200,  200,   200,  200,  200)  # anyone logged in
SEEN =             (401,   200,  200,   404,  404,  404)  # whoever sees it
SEEN_PAGE =        (LOGIN, 200,  200,   404,  404,  404)
SEEN_CREATES =     (401,   201,  201,   404,  404,  404)
SEEN_FORM =        (LOGIN, 303,  303,   404,  404,  404)  # a page's form, answered by a redirect
OWNER =            (401,   200,  403,   404,  404,  404)  # its caseworker alone (403 to a viewer)
OWNER_CREATES =    (401,   201,  403,   404,  404,  404)
OWNER_DONE =       (401,   204,  403,   404,  404,  404)  # deleted, withdrawn, confirmed: no body
OWNER_FORM =       (LOGIN, 303,  403,   404,  404,  404)
ADMIN =            (401,   403,  403,   403,  200,  403)  # the administrator alone
ADMIN_PAGE =       (LOGIN, 403,  403,   403,  200,  403)
ADMIN_FORM =       (LOGIN, 403,  403,   403,  303,  403)
LIST_PAGE =        (LOGIN, 200,  200,   200,  200,  403)  # a list: anyone but a leader
NEW_PAGE =         (LOGIN, 200,  200,   200,  403,  403)  # a form for something new: caseworkers, supervisors
# fmt: on


def feedback_rows(target: str, *, bring: bool = True) -> dict[str, Row]:
    """The routes of feedback on one target (a clip, a team session, a recording: its path,
    `target`), by the API and on its page: whoever sees the target reads, adds, publishes
    and replies; a draft is its author's alone (404 to others: the supervisor's drafts
    here); only the author edits and deletes (403: the owner's items here). With `bring`,
    the caseworker brings an item given on the recording to the target, or takes it back
    (403 to the supervisor). Publishing one draft comes before publishing them all."""
    api, page = f"/api/v1{target}/feedback", f"{target}/feedback"
    # fmt: off
    rows = {
        f"GET {api}":                                                    SEEN,
        f"POST {api}":                                                   SEEN_CREATES,
        f"POST {api}/{{feedback_id}}/publish":           (401, 404, 200, 404, 404, 404),  # the supervisor's draft
        f"POST {page}/{{feedback_id}}/publish":        (LOGIN, 404, 303, 404, 404, 404),  # another of theirs
        f"POST {api}/publish":                                           SEEN,
        f"POST {api}/{{feedback_id}}/replies":                           SEEN_CREATES,
        f"PATCH {api}/{{feedback_id}}":                                  OWNER,  # the owner's item
        f"DELETE {api}/{{feedback_id}}":                                 OWNER_DONE,  # the owner's item
        f"GET {page}/threads":                                           SEEN_PAGE,
        f"GET {page}/threads/{{feedback_id}}":                           SEEN_PAGE,
        f"POST {page}":                                                  SEEN_FORM,
        f"POST {page}/publish":                                          SEEN_FORM,
        f"POST {page}/{{feedback_id}}/replies":                          SEEN_FORM,
        f"POST {page}/{{feedback_id}}/edit":                             OWNER_FORM,  # the owner's item
        f"POST {page}/{{feedback_id}}/delete":                           OWNER_FORM,  # the owner's item
    }
    brought = {
        f"POST {api}/{{feedback_id}}/bring":                             OWNER,
        f"DELETE {api}/{{feedback_id}}/bring":                           OWNER_DONE,
        f"POST {page}/{{feedback_id}}/bring":                            OWNER_FORM,
        f"POST {page}/{{feedback_id}}/take-back":                        OWNER_FORM,
    }
    # fmt: on
    return rows | brought if bring else rows


def share_rows(target: str) -> dict[str, Row]:
    """The shares of a recording or a clip (its path, `target`): its caseworker's alone to
    see, make, withdraw and confirm for a later team member (403 to someone who sees it)."""
    # fmt: off
    return {
        f"GET /api/v1{target}/shares":                                   OWNER,
        f"POST /api/v1{target}/shares":                                  OWNER_CREATES,
        f"DELETE /api/v1{target}/shares/{{share_id}}":                   OWNER_DONE,
        f"POST /api/v1{target}/shares/{{share_id}}/confirm":             OWNER_DONE,
        f"POST {target}/shares":                                         OWNER_FORM,
        f"POST {target}/shares/{{share_id}}/withdraw":                   OWNER_FORM,
        f"POST {target}/shares/{{share_id}}/confirm":                    OWNER_FORM,
    }
    # fmt: on


# fmt: off
MATRIX: dict[str, Row] = {
    #                                                                anonymous owner shared other admin leader
    # Public: health, the API description, the login form, the language switch.
    "GET /healthz":                                                       (200, 200, 200, 200, 200, 200),
    "GET /livez":                                                        (200, 200, 200, 200, 200, 200),
    # Readiness: 200 or 503 by the checks, the same for everyone (no worker runs here, so
    # ?all=1 would say 503); tests/test_health.py has what it checks.
    "GET /readyz":                                                       (200, 200, 200, 200, 200, 200),
    "GET /api/v1/openapi.json":                                           (200, 200, 200, 200, 200, 200),
    "GET /login":                                      (200, (303, "/"), (303, "/"), (303, "/"), (303, "/"), (303, "/")),
    "POST /login":                                                        (401, 401, 401, 401, 401, 401),  # wrong password
    "POST /logout":     ((303, "/login"), (303, "/login"), (303, "/login"), (303, "/login"), (303, "/login"), (303, "/login")),
    "GET /language/{code}":                                               (303, 303, 303, 303, 303, 303),
    # A script's login (here a wrong password) and logout.
    "POST /api/v1/auth/login":                                            (401, 401, 401, 401, 401, 401),
    "POST /api/v1/auth/logout":                                           (204, 204, 204, 204, 204, 204),

    # Anyone logged in.
    "GET /api/v1/me":                                                    ANYONE,
    "GET /account/password":                                            (LOGIN, 200, 200, 200, 200, 200),
    # A one-time link (here an unknown token): whoever holds it, nobody else.
    "GET /account/link/{token}":                                          (404, 404, 404, 404, 404, 404),
    "POST /account/link/{token}":                                         (404, 404, 404, 404, 404, 404),
    "POST /account/password":                                           (LOGIN, 422, 422, 422, 422, 422),  # repeat differs
    # The second factor: after the password only (here no password was given: back to it),
    # and one's own page (here a wrong code for new recovery codes).
    "GET /login/second-factor":   ((303, "/login"), (303, "/login"), (303, "/login"), (303, "/login"), (303, "/login"), (303, "/login")),
    "POST /login/second-factor":  ((303, "/login"), (303, "/login"), (303, "/login"), (303, "/login"), (303, "/login"), (303, "/login")),
    "GET /account/second-factor":                                       (LOGIN, 200, 200, 200, 200, 200),
    "POST /account/second-factor/recovery-codes":                       (LOGIN, 401, 401, 401, 401, 401),
    # The municipality's identity provider, not set up here: nothing to reach. Its own rules
    # (state, nonce, audience, linking only one's own account): tests/test_identity.py.
    "GET /identity/login":                                                (404, 404, 404, 404, 404, 404),
    "GET /identity/callback":                                             (404, 404, 404, 404, 404, 404),
    "POST /account/identity/link":                                      (LOGIN, 404, 404, 404, 404, 404),
    "GET /": (LOGIN, (303, "/recordings"), (303, "/recordings"), (303, "/recordings"),
              (303, "/admin/users"), (303, "/leader")),

    # Recordings: list and upload. Caseworkers and supervisors upload; leaders see no list.
    "GET /api/v1/recordings":                                            ANYONE,
    "POST /api/v1/recordings":                                            (401, 201, 201, 201, 403, 403),
    # Resumable uploads (tus): whoever may upload makes one; only its sender goes on.
    "POST /api/v1/uploads":                                              (401, 201, 201, 201, 403, 403),
    "PATCH /api/v1/uploads/{upload_id}":                                 (401, 204, 404, 404, 404, 404),
    "DELETE /api/v1/uploads/{upload_id}":                                (401, 204, 404, 404, 404, 404),
    "GET /recordings":                                                   LIST_PAGE,
    "GET /recordings/new":                                               NEW_PAGE,
    "POST /recordings/new":                                             (LOGIN, 303, 303, 303, 403, 403),
    "GET /recordings/record":                                            NEW_PAGE,

    # One recording: who may see it.
    "GET /api/v1/recordings/{recording_id}":                             SEEN,
    "GET /api/v1/recordings/{recording_id}/media":                       SEEN,
    "GET /api/v1/recordings/{recording_id}/poster":                      SEEN,
    "GET /api/v1/recordings/{recording_id}/transcript":                  SEEN,
    "GET /api/v1/recordings/{recording_id}/transcript/export.{fmt}":     SEEN,
    "GET /recordings/{recording_id}":                                    SEEN_PAGE,
    # Its processing status (the page's own updates), and the list's.
    "GET /api/v1/recordings/{recording_id}/status":                      SEEN,
    "GET /api/v1/recordings/status":                                     ANYONE,

    # One recording: what only its caseworker may do (403 if only shared, 404 if unseen).
    "DELETE /api/v1/recordings/{recording_id}":                          OWNER_DONE,
    "POST /api/v1/recordings/{recording_id}/consent/withdraw":           OWNER_DONE,
    "PATCH /api/v1/recordings/{recording_id}/transcript/segments/{segment_id}": OWNER,
    "POST /recordings/{recording_id}/delete":                            OWNER_FORM,
    "POST /recordings/{recording_id}/consent/withdraw":                  OWNER_FORM,
    # One purpose of its consent withdrawn (issue 24): the shares that needed it end (here on
    # a recording of its own, whose consent keeps two more).
    "POST /api/v1/recordings/{recording_id}/consent/purposes/{purpose}/withdraw": OWNER_DONE,
    "POST /recordings/{recording_id}/consent/purposes/{purpose}/withdraw": OWNER_FORM,
    # Retry: only its caseworker, and only a failed recording (this one is ready: 409).
    "POST /api/v1/recordings/{recording_id}/retry":                       (401, 409, 403, 404, 404, 404),
    "POST /recordings/{recording_id}/retry":                            (LOGIN, 409, 403, 404, 404, 404),
    "POST /recordings/{recording_id}/segments/{segment_id}":             OWNER_FORM,
    # Its shares.
    **share_rows("/recordings/{recording_id}"),

    # Feedback through a clip (issue 10): whoever sees the clip (its owner, the supervisor with a
    # share) adds and replies at clip times; 404 to anyone else. Before the recording's rows: the
    # recording's publish-all would publish the supervisor's drafts on the clip too.
    **feedback_rows("/clips/{clip_id}"),
    # Feedback in a team session on the whole recording: its participants who see the
    # recording (the owner, the supervisor), as through a clip; 404 to anyone else, also a
    # participant without the recording's share (the colleague here) and a participant who
    # has since become a leader.
    **feedback_rows("/sessions/{session_id}"),
    # Feedback on a recording (issue 9), through the API and the recording page's thread
    # fragments and forms: who sees the recording sees its published feedback and replies.
    **feedback_rows("/recordings/{recording_id}", bring=False),
    "GET /api/v1/recordings/{recording_id}/feedback/grouped":            SEEN,
    "GET /api/v1/recordings/{recording_id}/feedback/export.csv":         SEEN,
    "GET /recordings/{recording_id}/transcript/lines":                   SEEN_PAGE,
    # Transcript versions (issue 22): whoever sees the recording reads each; its caseworker
    # alone has it transcribed again and chooses between their earlier words and the new
    # (this recording's lines have no earlier words waiting: 409).
    "GET /api/v1/recordings/{recording_id}/transcript/versions":         SEEN,
    "GET /recordings/{recording_id}/transcript/versions/{number}":       SEEN_PAGE,
    "POST /api/v1/recordings/{recording_id}/transcript/again":            (401, 202, 403, 404, 404, 404),
    "POST /recordings/{recording_id}/transcript/again":                  OWNER_FORM,
    "POST /api/v1/recordings/{recording_id}/transcript/segments/{segment_id}/offer": (401, 409, 403, 404, 404, 404),
    "POST /recordings/{recording_id}/segments/{segment_id}/offer":      (LOGIN, 409, 403, 404, 404, 404),
    # Conversation insight: whoever sees the recording corrects the machine's analysis.
    "GET /recordings/{recording_id}/insight/panel":                     SEEN_PAGE,
    "GET /api/v1/recordings/{recording_id}/insight":                    SEEN,
    "POST /recordings/{recording_id}/insight/swap":                     SEEN_FORM,
    "POST /recordings/{recording_id}/insight/voices/{number}":          SEEN_FORM,
    "POST /recordings/{recording_id}/segments/{segment_id}/role":       SEEN_FORM,
    "POST /recordings/{recording_id}/segments/{segment_id}/question-type": SEEN_FORM,
    "GET /insight":                                                     NEW_PAGE,
    # The sparring document: a printable page and its PDF (audited downloads).
    "GET /recordings/{recording_id}/sparring":                           SEEN_PAGE,
    "GET /recordings/{recording_id}/sparring.pdf":                       SEEN_PAGE,
    # One's own notifications.
    "GET /api/v1/notifications":                                         ANYONE,
    "POST /api/v1/notifications/read":                                    (401, 204, 204, 204, 204, 204),
    "POST /api/v1/notifications/{notification_id}/read":                  (401, 204, 404, 404, 404, 404),  # the owner's
    "GET /notifications":                                               (LOGIN, 200, 200, 200, 200, 200),
    "POST /notifications/read":                                         (LOGIN, 303, 303, 303, 303, 303),
    "POST /account/notifications":                                      (LOGIN, 303, 303, 303, 303, 303),  # one's own choice
    "GET /notifications/{notification_id}/open":      (LOGIN, (303, "/recordings/"), 404, 404, 404, 404),  # the owner's
    # The criteria: anyone signed in reads them; the administrator changes them.
    "GET /api/v1/criteria":                                              ANYONE,
    "PUT /api/v1/criteria/order":                                        ADMIN,
    "POST /api/v1/criteria":                                              (401, 403, 403, 403, 201, 403),
    "PATCH /api/v1/criteria/{criterion_id}":                             ADMIN,
    "POST /api/v1/criteria/{criterion_id}/retire":                       ADMIN,
    "POST /api/v1/criteria/{criterion_id}/restore":                      ADMIN,
    "PUT /api/v1/criteria/settings":                                     ADMIN,
    "POST /api/v1/criteria/groups":                                       (401, 403, 403, 403, 201, 403),
    "PATCH /api/v1/criteria/groups/{group_id}":                          ADMIN,

    # The administrator's pages.
    "GET /admin/users":                                                  ADMIN_PAGE,
    "POST /admin/users":                                                 ADMIN_PAGE,  # shows the link once
    "POST /admin/users/{user_id}/reset":                                 ADMIN_PAGE,  # shows the link once
    "POST /admin/users/{user_id}/unlock":                                ADMIN_FORM,
    "POST /admin/users/{user_id}/second-factor/remove":                  ADMIN_FORM,
    # Fewer than three administrators here: the approval is the server's (403 on the page).
    "POST /admin/second-factor-removals/{removal_id}/approve":  (LOGIN, 403, 403, 403, 403, 403),
    "POST /admin/second-factor-removals/{removal_id}/withdraw":          ADMIN_FORM,
    "POST /admin/users/{user_id}":                                       ADMIN_FORM,
    "POST /admin/users/{user_id}/delete":                                ADMIN_FORM,
    "GET /admin/teams":                                                  ADMIN_PAGE,
    "POST /admin/teams":                                                 ADMIN_FORM,
    "POST /admin/teams/{team_id}/members":                               ADMIN_FORM,
    "GET /admin/settings":                                               ADMIN_PAGE,
    "POST /admin/settings":                                              ADMIN_FORM,
    # Transcribe many again (here days without recordings: refused with words, 409).
    "POST /admin/transcripts/again":                                     (LOGIN, 403, 403, 403, 409, 403),
    "POST /api/v1/admin/transcripts/again":                              (401, 403, 403, 403, 409, 403),
    "GET /api/v1/admin/transcripts/again":                               ADMIN,
    "GET /admin/audit":                                                  ADMIN_PAGE,
    "GET /admin/audit.csv":                                              ADMIN_PAGE,
    "GET /admin/criteria":                                               ADMIN_PAGE,
    "POST /admin/criteria":                                              ADMIN_FORM,
    "POST /admin/criteria/{criterion_id}":                               ADMIN_FORM,
    "POST /admin/criteria/{criterion_id}/move":                          ADMIN_FORM,
    "POST /admin/criteria/{criterion_id}/retire":                        ADMIN_FORM,
    "POST /admin/criteria/{criterion_id}/restore":                       ADMIN_FORM,
    "POST /admin/criteria/groups":                                       ADMIN_FORM,
    "POST /admin/criteria/groups/{group_id}":                            ADMIN_FORM,
    "POST /admin/criteria/settings":                                     ADMIN_FORM,
    "POST /admin/criteria/defaults":                                     ADMIN_FORM,

    # Sparring sessions (issue 10): only participants reach one (404 to anyone else, as if it
    # did not exist); the caseworker or the planner moves it along (403 to other participants).
    # Taking part gives no access to the media: the owner shares it (tests/test_sessions.py).
    "POST /api/v1/sessions":                                             SEEN_CREATES,
    "GET /api/v1/sessions":                                              ANYONE,
    "GET /api/v1/sessions/{session_id}":                                 SEEN,
    "PATCH /api/v1/sessions/{session_id}":                               OWNER,
    "POST /api/v1/sessions/{session_id}/participants":                   OWNER,
    "DELETE /api/v1/sessions/{session_id}/participants/{user_id}":       OWNER_DONE,
    "POST /api/v1/sessions/{session_id}/round":                          OWNER,
    "PUT /api/v1/sessions/{session_id}/summary":                         OWNER,
    "POST /api/v1/sessions/{session_id}/close":                          OWNER,
    "GET /sessions":                                                     LIST_PAGE,
    "GET /sessions/new":                                                 NEW_PAGE,
    "POST /sessions/new":                                               (LOGIN, 303, 303, 404, 403, 403),
    "GET /sessions/{session_id}":                                        SEEN_PAGE,
    "POST /sessions/{session_id}/round":                                 OWNER_FORM,
    "POST /sessions/{session_id}/summary":                               OWNER_FORM,
    "POST /sessions/{session_id}/close":                                 OWNER_FORM,
    "POST /sessions/{session_id}/participants":                          OWNER_FORM,
    "POST /sessions/{session_id}/share":                                 OWNER_FORM,
    "POST /sessions/{session_id}/participants/{user_id}/remove":         OWNER_FORM,

    # Clips (issue 10): the recording's caseworker makes, changes and shares them (403 to
    # someone who sees the recording or the clip, 404 to anyone else). A clip share shows that
    # clip alone (here the supervisor has one); the recording's routes know nothing of it.
    "GET /api/v1/recordings/{recording_id}/clips":                       OWNER,
    "POST /api/v1/recordings/{recording_id}/clips":                      OWNER_CREATES,
    "GET /api/v1/clips/{clip_id}":                                       SEEN,
    "GET /api/v1/clips/{clip_id}/media":                                 SEEN,
    "GET /api/v1/clips/{clip_id}/poster":                                SEEN,
    "GET /api/v1/clips/{clip_id}/transcript":                            SEEN,
    "PATCH /api/v1/clips/{clip_id}":                                     OWNER,
    "DELETE /api/v1/clips/{clip_id}":                                    OWNER_DONE,
    "GET /clips/{clip_id}":                                              SEEN_PAGE,
    "POST /recordings/{recording_id}/clips":                             OWNER_FORM,
    "POST /clips/{clip_id}/delete":                                      OWNER_FORM,
    **share_rows("/clips/{clip_id}"),
    # What a team sees of a clip (issue 24): the clip's sparring document for whoever sees
    # the clip (names hidden for a team); the review of the protected variant, the missed
    # faces, the hidden words and the names listed on the recording: its caseworker's alone.
    "GET /clips/{clip_id}/sparring":                                     SEEN_PAGE,
    "GET /clips/{clip_id}/sparring.pdf":                                 SEEN_PAGE,
    "GET /clips/{clip_id}/protection":                                   (LOGIN, 200, 403, 404, 404, 404),
    "POST /clips/{clip_id}/protection/approve":                          OWNER_FORM,
    "POST /clips/{clip_id}/protection/missed":                           OWNER_FORM,
    "POST /clips/{clip_id}/protection/missed/{index}/remove":            OWNER_FORM,
    "POST /clips/{clip_id}/protection/{change}":                         OWNER_FORM,
    "POST /recordings/{recording_id}/person-names":                      OWNER_FORM,

    # The leader's figures: leaders and administrators.
    "GET /leader":                                                      (LOGIN, 403, 403, 403, 200, 200),
    "GET /leader/figures.csv":                                          (LOGIN, 403, 403, 403, 200, 200),
    # Scores (issue 25): the caseworker and a supervisor who sees the whole recording; a
    # form with no level chosen saves an empty draft.
    "GET /recordings/{recording_id}/scores":                            SEEN_PAGE,
    "POST /recordings/{recording_id}/scores":                           SEEN_FORM,
    "GET /calibration":                                                 (LOGIN, 403, 200, 403, 403, 403),
    # The anonymous self-assessment (issue 25): caseworkers answer (the supervisor does not);
    # the administrator schedules; the leader sees the curve on /leader.
    "GET /self-assessment":                                             (LOGIN, 200, 403, 200, 403, 403),
    "POST /self-assessment/{round_id}":                                 (LOGIN, 303, 403, 303, 403, 403),
    "GET /admin/self-assessment":                                        ADMIN_PAGE,
    "POST /admin/self-assessment":                                       ADMIN_FORM,
    "POST /admin/self-assessment/{round_id}":                            ADMIN_FORM,
    "POST /admin/self-assessment/{round_id}/delete":                     ADMIN_FORM,

    # The child's own voice (issue 25): the child's page and its forms answer only a browser
    # held on it (tests/test_child_voice.py); anyone else is sent to their start page.
    "GET /child-voice":                                                 (LOGIN, (303, "/"), (303, "/"), (303, "/"), (303, "/"), (303, "/")),
    "POST /child-voice/answer":                                         (LOGIN, (303, "/"), (303, "/"), (303, "/"), (303, "/"), (303, "/")),
    "POST /child-voice/unlock":                                         (LOGIN, (303, "/"), (303, "/"), (303, "/"), (303, "/"), (303, "/")),
    # Its caseworker alone hands the recording's child the tablet. Last: it holds the
    # owner's browser on the child's page from then on.
    "POST /recordings/{recording_id}/child-voice":                      (LOGIN, (303, "/child-voice"), 403, 404, 404, 404),
}
# fmt: on

# What the audit log needs of a recording: its case reference (never its title or words),
# so that an administrator can tell the entries of one case apart (issue 8).
AUDIT_NEEDS = {"GET /admin/audit": {CASE_REFERENCE}, "GET /admin/audit.csv": {CASE_REFERENCE}}

# Before login there is no session to bind a token to: the script login takes JSON only
# (a cross-site page cannot send it without a preflight) from our own origin
# (tests/test_api_login.py).
CSRF_EXEMPT = {"POST /api/v1/auth/login"}

# Mounts that are not routes of the app: static assets only, never anything uploaded.
ALLOWED_MOUNTS = {"/static"}
# WebSockets are no HTTP method and so no matrix row: each has its own access tests
# (origin, login, participant, removal): tests/test_live.py.
WEBSOCKETS = {"/api/v1/sessions/{session_id}/live"}


@dataclass(frozen=True)
class Call:
    """How the matrix calls one route.

    path: a value for a path parameter; a value naming an entry of the scene (built in
    `scene`) is replaced by that entry. Parameters not named here are looked up in the scene
    by their own name. Body values are formatted with the scene and the actor's name.
    """

    label: str = ""
    path: dict[str, str] = field(default_factory=dict)
    json: dict[str, object] | None = None
    data: dict[str, str] | None = None
    upload: bool = False
    headers: dict[str, str] | None = None
    content: bytes | None = None  # a raw body
    ok: int | None = None  # the answer a viewer gets instead of 200 (206 for a range)
    fresh_recording: bool = False  # destructive: its own recording, shared like the main one
    fresh_ready: bool = False  # its own ready recording (once asked, it is busy), shared so
    fresh_client: bool = False  # ends the session: its own open_client


def feedback_calls(
    target: str, prefix: str, at: float, word: str, bring: bool = True, **path: str
) -> dict[str, list[Call]]:
    """How the matrix calls one target's feedback routes (`feedback_rows`): on the items the
    scene names with `prefix` (`feedback.matrix_items`, `brought_names`), adding an item at
    `at` seconds with a text that starts with `word`; `bring`
    as there. `path` names the target where the scene's own name for it does not."""

    def on(item: str | None = None, **body: Any) -> list[Call]:
        named = {"feedback_id": f"{prefix}{item}"} if item else {}
        return [Call(path=path | named, **body)]

    api, page = f"/api/v1{target}/feedback", f"{target}/feedback"
    item = {"kind": "question", "criterion_ids": ["{criterion_for_feedback}"]}
    form = {"kind": "question", "criterion_ids": "{criterion_for_feedback}"}
    calls = {
        f"GET {api}": on(),
        f"POST {api}": on(json=item | {"start_seconds": at, "text": f"{word} fra {{actor}}"}),
        f"POST {api}/{{feedback_id}}/publish": on("draft_to_publish"),
        f"POST {page}/{{feedback_id}}/publish": on("draft_to_publish_on_page"),
        f"POST {api}/publish": on(),
        f"POST {api}/{{feedback_id}}/replies": on(
            "feedback_to_reply", json={"text": "Svar fra {actor}"}
        ),
        f"PATCH {api}/{{feedback_id}}": on("feedback_to_edit", json={"text": "Rettet af {actor}"}),
        f"DELETE {api}/{{feedback_id}}": on("feedback_to_delete"),
        f"GET {page}/threads": on(),
        f"GET {page}/threads/{{feedback_id}}": on("feedback_to_reply"),
        f"POST {page}": on(
            data=form | {"start": f"0:{at:04.1f}", "text": f"{word} på siden fra {{actor}}"}
        ),
        f"POST {page}/publish": on(),
        f"POST {page}/{{feedback_id}}/replies": on(
            "feedback_to_reply", data={"text": "Svar på siden fra {actor}"}
        ),
        f"POST {page}/{{feedback_id}}/edit": on(
            "feedback_to_edit", data={"text": "Rettet på siden af {actor}"}
        ),
        f"POST {page}/{{feedback_id}}/delete": on("feedback_to_delete_on_page"),
        f"POST {api}/{{feedback_id}}/bring": on("item_to_bring"),
        f"DELETE {api}/{{feedback_id}}/bring": on("item_to_take_back"),
        f"POST {page}/{{feedback_id}}/bring": on("item_to_bring_on_page"),
        f"POST {page}/{{feedback_id}}/take-back": on("item_to_take_back_on_page"),
    }
    return {key: calls[key] for key in feedback_rows(target, bring=bring)}


# The session the matrix plans through the API (`sessions.plan_body` gives the rest).
PLANNED = {"starts_at": "{session_starts}", "question": "Spørgsmål fra {actor}"}
CALLS: dict[str, list[Call]] = {
    "POST /login": [
        Call(
            data={"email": "ingen-{actor}@kommune.test", "password": "forkert kodeord", "next": "/"}
        )
    ],
    "GET /account/link/{token}": [Call(path={"token": "unknown_token"})],
    "POST /account/link/{token}": [
        Call(path={"token": "unknown_token"}, data={"new": PASSWORD, "repeat": PASSWORD})
    ],
    "POST /logout": [Call(fresh_client=True)],
    "POST /api/v1/auth/login": [
        Call(json={"email": "ingen-{actor}@kommune.test", "password": "forkert kodeord"})
    ],
    "POST /api/v1/auth/logout": [Call(fresh_client=True)],
    "GET /language/{code}": [Call(path={"code": "en"})],
    "POST /account/password": [
        Call(data={"current": "forkert", "new": "et langt nyt kodeord 1", "repeat": "et andet"})
    ],
    "POST /api/v1/recordings": [Call(upload=True)],
    "POST /api/v1/uploads": [
        Call(
            headers={
                **tus.TUS,
                "Upload-Length": "100",
                "Upload-Metadata": tus.metadata(tus.recording_fields("egen.mp4")),
            }
        )
    ],
    "PATCH /api/v1/uploads/{upload_id}": [
        Call(
            headers={
                **tus.TUS,
                "Upload-Offset": "0",
                "Content-Type": "application/offset+octet-stream",
            },
            content=b"0123456789",
        )
    ],
    "DELETE /api/v1/uploads/{upload_id}": [
        Call(path={"upload_id": "upload_to_delete"}, headers=tus.TUS)
    ],
    "POST /recordings/new": [Call(upload=True)],
    "GET /api/v1/recordings/{recording_id}/media": [
        Call("whole file"),
        Call("range from 0", headers={"Range": "bytes=0-99"}, ok=206),
        Call("range seek", headers={"Range": "bytes=100-"}, ok=206),
    ],
    "GET /api/v1/recordings/{recording_id}/transcript/export.{fmt}": [
        Call(fmt, path={"fmt": fmt}) for fmt in ("vtt", "srt", "txt")
    ],
    "DELETE /api/v1/recordings/{recording_id}": [Call(fresh_recording=True)],
    "POST /api/v1/recordings/{recording_id}/consent/withdraw": [Call(fresh_recording=True)],
    "POST /recordings/{recording_id}/delete": [Call(fresh_recording=True)],
    "POST /recordings/{recording_id}/consent/withdraw": [Call(fresh_recording=True)],
    "POST /api/v1/recordings/{recording_id}/consent/purposes/{purpose}/withdraw": [
        Call(fresh_ready=True, path={"purpose": "teaching"})
    ],
    "POST /recordings/{recording_id}/consent/purposes/{purpose}/withdraw": [
        Call(fresh_ready=True, path={"purpose": "teaching"})
    ],
    "PATCH /api/v1/recordings/{recording_id}/transcript/segments/{segment_id}": [
        Call(json={"text": "Rettet af {actor}", "speaker": "child"})
    ],
    "POST /recordings/{recording_id}/segments/{segment_id}": [
        Call(data={"text": "Rettet på siden af {actor}", "speaker": "caseworker"})
    ],
    "POST /api/v1/recordings/{recording_id}/shares": [Call(json={"user_id": "{share_target}"})],
    "DELETE /api/v1/recordings/{recording_id}/shares/{share_id}": [
        Call(path={"share_id": "share_for_api_withdraw"})
    ],
    "POST /recordings/{recording_id}/shares": [Call(data={"target": "user:{page_share_target}"})],
    "POST /recordings/{recording_id}/shares/{share_id}/withdraw": [
        Call(path={"share_id": "share_for_page_withdraw"})
    ],
    "POST /api/v1/recordings/{recording_id}/shares/{share_id}/confirm": [
        Call(path={"share_id": "share_for_confirm"}, json={"user_id": "{confirm_target}"})
    ],
    "POST /recordings/{recording_id}/shares/{share_id}/confirm": [
        Call(path={"share_id": "share_for_confirm"}, data={"user_id": "{confirm_target}"})
    ],
    "POST /admin/users/{user_id}/reset": [Call(path={"user_id": "user_to_update"})],
    "POST /admin/users/{user_id}/unlock": [Call(path={"user_id": "user_to_update"})],
    "POST /admin/users/{user_id}/second-factor/remove": [Call(path={"user_id": "user_to_update"})],
    "POST /admin/second-factor-removals/{removal_id}/approve": [
        Call(path={"removal_id": "removal_to_approve"})
    ],
    "POST /admin/second-factor-removals/{removal_id}/withdraw": [
        Call(path={"removal_id": "removal_to_withdraw"})
    ],
    "POST /login/second-factor": [Call(data={"code": "123456", "next": "/"})],
    "POST /account/second-factor/recovery-codes": [Call(data={"code": "000000"})],
    "POST /admin/users": [
        Call(data={"email": "ny-{actor}@kommune.test", "name": "Ny Person", "role": "caseworker"})
    ],
    "POST /admin/users/{user_id}": [
        Call(path={"user_id": "user_to_update"}, data={"role": "supervisor", "active": "on"})
    ],
    "POST /admin/users/{user_id}/delete": [Call(path={"user_id": "user_to_delete"})],
    "POST /admin/teams": [Call(data={"name": "Nyt team {actor}"})],
    "POST /admin/teams/{team_id}/members": [
        Call(path={"team_id": "team_for_members"}, data={"member": "{user_to_update}"})
    ],
    "POST /admin/settings": [
        Call(data={"default_days": "90", "max_days": "365", "warn_days": "14"})
    ],
    "POST /admin/transcripts/again": [
        Call(data={"language": "da", "uploaded_from": "2020-01-01", "uploaded_to": "2020-01-02"})
    ],
    "POST /api/v1/admin/transcripts/again": [
        Call(json={"language": "da", "uploaded_from": "2020-01-01", "uploaded_to": "2020-01-02"})
    ],
    "GET /recordings/{recording_id}/transcript/versions/{number}": [Call(path={"number": "1"})],
    "POST /api/v1/recordings/{recording_id}/transcript/again": [Call(fresh_ready=True)],
    "POST /recordings/{recording_id}/transcript/again": [Call(fresh_ready=True)],
    "POST /api/v1/recordings/{recording_id}/transcript/segments/{segment_id}/offer": [
        Call(json={"keep": True})
    ],
    "POST /recordings/{recording_id}/segments/{segment_id}/offer": [Call(data={"keep": "1"})],
    "POST /recordings/{recording_id}/insight/swap": [Call(data={"first": "1", "second": "2"})],
    "POST /recordings/{recording_id}/insight/voices/{number}": [
        Call(path={"number": "1"}, data={"role": "adult"})
    ],
    "POST /recordings/{recording_id}/segments/{segment_id}/role": [Call(data={"role": "child"})],
    "POST /recordings/{recording_id}/segments/{segment_id}/question-type": [
        Call(data={"question_type": "none"})
    ],
    "PUT /api/v1/criteria/order": [Call(json={"criterion_ids": "{criteria_order}"})],
    "POST /api/v1/criteria": [Call(json={"name_da": "Nyt {actor}", "name_en": "New {actor}"})],
    "PATCH /api/v1/criteria/{criterion_id}": [
        Call(path={"criterion_id": "criterion_to_change"}, json={"name_en": "Changed by {actor}"})
    ],
    **{
        f"POST {criteria}/{{criterion_id}}/{action}": [
            Call(path={"criterion_id": "criterion_to_change"})
        ]
        for criteria in ("/api/v1/criteria", "/admin/criteria")
        for action in ("retire", "restore")
    },
    "PUT /api/v1/criteria/settings": [Call(json={"criteria_required": True})],
    "POST /api/v1/criteria/groups": [Call(json={"name_da": "Gruppe {actor}", "name_en": "G"})],
    "PATCH /api/v1/criteria/groups/{group_id}": [
        Call(path={"group_id": "group_to_change"}, json={"name_en": "Group of {actor}"})
    ],
    # The administrator's criteria page: the same things through plain forms.
    "POST /admin/criteria": [Call(data={"name_da": "Side {actor}", "name_en": "Page {actor}"})],
    "POST /admin/criteria/{criterion_id}": [
        Call(
            path={"criterion_id": "criterion_to_change"},
            data={"name_da": "Ændret {actor}", "name_en": "Changed {actor}"},
        )
    ],
    "POST /admin/criteria/{criterion_id}/move": [
        Call(path={"criterion_id": "criterion_to_change"}, data={"direction": "up"})
    ],
    "POST /admin/criteria/groups": [Call(data={"name_da": "Sidegruppe {actor}", "name_en": "G"})],
    "POST /admin/criteria/groups/{group_id}": [
        Call(
            path={"group_id": "group_to_change"}, data={"name_da": "Omdøbt {actor}", "name_en": "R"}
        )
    ],
    "POST /admin/criteria/settings": [Call(data={"criteria_required": "1"})],
    "POST /admin/criteria/defaults": [Call(data={"answer": "hide"})],
    # The scene's round is open today with VIVE's statement alone; a new one far ahead.
    "POST /self-assessment/{round_id}": [Call(data={"s0": "4"})],
    "POST /admin/self-assessment": [
        Call(data={"label": "Runde {actor}", "opens_on": "2099-01-01", "closes_on": "2099-03-31"})
    ],
    "POST /admin/self-assessment/{round_id}": [
        Call(
            path={"round_id": "round_to_change"},
            data={"label": "Ændret {actor}", "opens_on": "2098-01-01", "closes_on": "2098-02-28"},
        )
    ],
    "POST /admin/self-assessment/{round_id}/delete": [Call(path={"round_id": "round_to_delete"})],
    # Sparring sessions: what they act on comes from sessions.matrix_names.
    "POST /api/v1/sessions": [
        Call(json=sessions.plan_body("{recording_id}", ["{session_participant}"], **PLANNED))
    ],
    "PATCH /api/v1/sessions/{session_id}": [Call(json={"question": "Ændret af {actor}"})],
    "POST /api/v1/sessions/{session_id}/participants": [Call(json={"user_id": "{session_extra}"})],
    "DELETE /api/v1/sessions/{session_id}/participants/{user_id}": [
        Call(path={"user_id": "session_to_remove"})
    ],
    "POST /api/v1/sessions/{session_id}/round": [Call(json={"action": "next"})],
    "PUT /api/v1/sessions/{session_id}/summary": [Call(json={"summary": "Opsummering ({actor})"})],
    "POST /api/v1/sessions/{session_id}/close": [Call(path={"session_id": "session_to_close"})],
    "POST /sessions/new": [
        Call(
            data={
                "media": "{recording_id}",
                "kind": "team",
                "user_id": "{session_participant}",
                "starts_at": "{session_starts_local}",
                "question": "Spørgsmål på siden fra {actor}",
            }
        )
    ],
    "POST /sessions/{session_id}/round": [Call(data={"action": "next"})],
    "POST /sessions/{session_id}/summary": [Call(data={"summary": "Opsummering på siden"})],
    "POST /sessions/{session_id}/close": [Call(path={"session_id": "session_to_close_on_page"})],
    "POST /sessions/{session_id}/participants": [Call(data={"target": "user:{session_extra}"})],
    "POST /sessions/{session_id}/share": [Call()],
    "POST /sessions/{session_id}/participants/{user_id}/remove": [
        Call(path={"user_id": "session_to_remove_on_page"})
    ],
    # Feedback: what it acts on comes from feedback.matrix_names, clip_feedback_names and
    # session_feedback_names (below).
    **feedback_calls("/recordings/{recording_id}", "", 1, "Spørgsmål", bring=False),
    **feedback_calls("/clips/{clip_id}", "clip_", 0.3, "Klipspørgsmål"),
    **feedback_calls(
        "/sessions/{session_id}", "session_", 0.3, "Sessionsspørgsmål", session_id="team_session_id"
    ),
    # Clips: what they act on comes from clips.clip_matrix_names.
    "POST /api/v1/recordings/{recording_id}/clips": [
        Call(json={"title": "Klip af {actor}", "start_seconds": 0.5, "end_seconds": 2.0})
    ],
    "GET /api/v1/clips/{clip_id}/media": [
        Call("whole file"),
        Call("range from 0", headers={"Range": "bytes=0-99"}, ok=206),
        Call("range seek", headers={"Range": "bytes=100-"}, ok=206),
    ],
    "PATCH /api/v1/clips/{clip_id}": [
        Call(path={"clip_id": "clip_to_change"}, json={"title": "Ændret af {actor}"})
    ],
    "DELETE /api/v1/clips/{clip_id}": [Call(path={"clip_id": "clip_to_delete"})],
    "POST /api/v1/clips/{clip_id}/shares": [Call(json={"user_id": "{share_target}"})],
    "DELETE /api/v1/clips/{clip_id}/shares/{share_id}": [
        Call(path={"clip_id": "clip_for_withdraw", "share_id": "clip_share_to_withdraw"})
    ],
    "POST /recordings/{recording_id}/clips": [
        Call(data={"title": "Klip på siden af {actor}", "start": "0:00.5", "end": "0:02"})
    ],
    "POST /clips/{clip_id}/delete": [Call(path={"clip_id": "clip_to_delete_on_page"})],
    "POST /clips/{clip_id}/protection/missed": [
        Call(path={"clip_id": "clip_to_change"}, data={"start": "0:01", "end": "0:02"})
    ],
    "POST /clips/{clip_id}/protection/missed/{index}/remove": [
        Call(path={"clip_id": "clip_to_change", "index": "missed_index"})
    ],
    "POST /clips/{clip_id}/protection/{change}": [
        Call(path={"clip_id": "clip_to_change", "change": "redaction_change"}, data={"text": "Ib"})
    ],
    "POST /recordings/{recording_id}/person-names": [Call(data={"names": "Lise\nIb Hansen"})],
    "POST /child-voice/answer": [Call(data={"talk": "4", "word": "Godt"})],
    "POST /child-voice/unlock": [Call(data={"secret": "forkert kodeord"})],
    "POST /clips/{clip_id}/shares": [Call(data={"target": "team:{team_for_page_share}"})],
    "POST /clips/{clip_id}/shares/{share_id}/withdraw": [
        Call(path={"clip_id": "clip_for_withdraw", "share_id": "clip_share_to_withdraw_on_page"})
    ],
    "POST /api/v1/clips/{clip_id}/shares/{share_id}/confirm": [
        Call(path={"share_id": "clip_share_for_confirm"}, json={"user_id": "{clip_confirm_target}"})
    ],
    "POST /clips/{clip_id}/shares/{share_id}/confirm": [
        Call(path={"share_id": "clip_share_for_confirm"}, data={"user_id": "{clip_confirm_target}"})
    ],
}


# Routes of the app -----------------------------------------------------------------------


def test_every_route_has_a_matrix_entry() -> None:
    keys, others = app_routes()
    missing = sorted(keys - MATRIX.keys())
    extra = sorted(MATRIX.keys() - keys)
    assert not missing and not extra, (
        "The access matrix in tests/test_access_matrix.py must list every route.\n"
        f"Routes without an entry (add the expected answer per actor): {missing}\n"
        f"Entries for routes that no longer exist: {extra}"
    )
    assert others == ALLOWED_MOUNTS | WEBSOCKETS, (
        f"Something is mounted beside the routes: {sorted(others - ALLOWED_MOUNTS - WEBSOCKETS)}; "
        "give it an access check and an entry in the matrix"
    )
    assert CALLS.keys() <= MATRIX.keys(), sorted(CALLS.keys() - MATRIX.keys())
    for key, row in MATRIX.items():
        assert len(row) == len(ACTORS), key


# The scene --------------------------------------------------------------------------------


@dataclass
class Scene:
    clients: dict[str, TestClient]
    # Values for path parameters and bodies, by name (see Call).
    names: dict[str, object]
    # What must never reach anyone who may not see the recording.
    secrets: list[str]


@pytest.fixture
def scene(sqlite_db: str, open_client: ClientFactory, media: MediaSet) -> Scene:
    """One processed recording of the owner's, shared with the supervisor, and what the
    owner-only and administrator routes act on."""
    clients = actor_clients(open_client)
    owner = clients["owner"]
    recording_id = ready_recording(owner, media)
    analysed(recording_id)  # its voices and question types (issue 23)
    supervisor = user_id("supervisor")
    share(owner, recording_id, user_id=supervisor)
    segments = owner.get(f"/api/v1/recordings/{recording_id}/transcript").json()["segments"]
    assert segments, "the recording has no transcript to correct"

    names: dict[str, object] = {
        "recording_id": recording_id,
        "segment_id": segments[0]["id"],
        "share_target": make_user("ekstra-supervisor@kommune.test"),
        "team_for_page_share": make_team("Sparring side", []),
        # A team gets clips only (issue 24): the recording's shares name people.
        "share_for_api_withdraw": share(
            owner, recording_id, user_id=make_user("tilbage-api@kommune.test")
        ),
        "share_for_page_withdraw": share(
            owner, recording_id, user_id=make_user("tilbage-side@kommune.test")
        ),
        "user_to_update": make_user("opdateres@kommune.test", Role.caseworker),
        "user_to_delete": make_user("slettes@kommune.test", Role.caseworker),
        "team_for_members": make_team("Medlemmer", []),
        "round_id": selfassessment.open_with_one_statement(),
        "round_to_change": selfassessment.schedule("Ændres", date(2097, 1, 1), date(2097, 1, 31)),
        "round_to_delete": selfassessment.schedule("Slettes", date(2096, 1, 1), date(2096, 1, 31)),
        "unknown_token": "x" * 43,
        # Resumable uploads of the owner's, on their way in.
        "upload_id": _new_upload(owner),
        "upload_to_delete": _new_upload(owner),
    }
    # Lost authenticators, proposed by a second administrator (two in all: fewer than three).
    second_admin = make_user("admin-to@kommune.test", Role.administrator)
    names["removal_to_approve"] = propose_removal("mistet-telefon@kommune.test", second_admin)
    names["removal_to_withdraw"] = propose_removal("fundet-telefon@kommune.test", second_admin)
    # Someone who set their password through an administrator's link after the share: the
    # owner confirms them again (a team gets clips only: the clip's share has the team case).
    names["confirm_target"] = make_user("kom-senere@kommune.test", Role.caseworker)
    names["share_for_confirm"] = share(
        owner,
        recording_id,
        user_id=int(names["confirm_target"]),  # type: ignore[call-overload]
    )
    names["page_share_target"] = make_user("side-deling@kommune.test", Role.caseworker)
    names["redaction_change"], names["missed_index"] = "hide", 0
    # Destructive routes each get their own recording, shared the same way (not processed:
    # deleting does not wait for the worker).
    for key, calls in CALLS.items():
        if any(call.fresh_recording or call.fresh_ready for call in calls):
            fresh = new_recording(owner, media)
            if any(call.fresh_ready for call in calls):
                make_ready(fresh, SPOKEN_EN)
            share(owner, fresh, user_id=supervisor)
            names[f"fresh {key}"] = fresh
    names.update(feedback.matrix_names(owner, clients["shared"], clients["admin"], recording_id))
    names.update(sessions.matrix_names(owner, recording_id, supervisor))
    names.update(clips.clip_matrix_names(owner, recording_id, supervisor))
    names.update(clip_feedback_names(owner, clients["shared"], names))
    names.update(session_feedback_names(owner, clients["shared"], names))
    # The last segment is never corrected by the matrix: its words must not leak either.
    secrets = [
        TITLE,
        CASE_REFERENCE,
        segments[-1]["machine_text"],
        feedback.SECRET_FEEDBACK,
        *SESSION_SECRETS,
    ]
    return Scene(clients, names, secrets)


def _new_upload(owner: TestClient) -> str:
    return tus.created(owner, 100, tus.recording_fields("på-vej.mp4")).rsplit("/", 1)[1]


def propose_removal(email: str, proposer: int) -> int:
    """A removal of the person's second factor, proposed by another administrator."""
    with session_scope() as session:
        removal = SecondFactorRemoval(user_id=make_user(email), proposed_by_id=proposer)
        session.add(removal)
        session.flush()
        return int(removal.id)  # type: ignore[arg-type]


def clip_feedback_names(
    owner: TestClient, supervisor: TestClient, names: dict[str, object]
) -> dict[str, object]:
    """Items on the shared clip (at clip time 0.2 s) that its feedback routes act on."""
    api = f"/api/v1/clips/{names['clip_id']}/feedback"
    criterion = int(names["criterion_for_feedback"])  # type: ignore[call-overload]
    clip = owner.get(f"/api/v1/clips/{names['clip_id']}").json()
    found = feedback.matrix_items(owner, supervisor, api, criterion, 0.2, "clip_")
    # Items given on the recording within the clip's stretch, to bring and to take back.
    middle = (clip["start_seconds"] + clip["end_seconds"]) / 2
    found |= brought_names(owner, names, "clip", api, middle)
    # A member who joined the team after the clip's share: the caseworker confirms them.
    team = make_team("Klip bekræftes", [])
    shared = owner.post(f"/api/v1/clips/{names['clip_id']}/shares", json={"team_id": team})
    assert shared.status_code == 201, shared.text
    found["clip_share_for_confirm"] = shared.json()["id"]
    found["clip_confirm_target"] = make_user("klip-senere@kommune.test", Role.caseworker)
    set_members(team, [int(found["clip_confirm_target"])])
    return found


def brought_names(
    owner: TestClient, names: dict[str, object], prefix: str, api: str, at: float
) -> dict[str, object]:
    """The caseworker's items on the recording at `at`: two to bring (by the API and the
    page), two brought already (to take back)."""
    base = f"/api/v1/recordings/{names['recording_id']}/feedback"
    criterion = int(names["criterion_for_feedback"])  # type: ignore[call-overload]
    found: dict[str, object] = {}
    for key in ("bring", "bring_on_page", "take_back", "take_back_on_page"):
        found[f"{prefix}_item_to_{key}"] = item = feedback.give(
            owner, base, criterion, at, f"Individuel {key}"
        )
        if key.startswith("take_back"):
            assert owner.post(f"{api}/{item}/bring").status_code == 200
    return found


# What is said in a session: none of it may reach a participant who does not see the
# recording, a participant who became a leader, or anyone else.
SESSION_SECRETS = ["Sessionens spørgsmål QX8", "Opsummering QX8", "Læringspunkt QX8"]


def session_feedback_names(
    owner: TestClient, supervisor: TestClient, names: dict[str, object]
) -> dict[str, object]:
    """A team session on the recording with the supervisor, its feedback, and two more
    participants: the colleague (no share of the recording) and the leader (a participant
    who has since become a leader, written straight into the table)."""
    question, summary, points = SESSION_SECRETS
    planned = sessions.plan(
        owner, str(names["recording_id"]), [user_id("supervisor")], kind="team", question=question
    )
    sid = planned["id"]
    texts = {"summary": summary, "learning_points": points}
    assert owner.put(f"/api/v1/sessions/{sid}/summary", json=texts).status_code == 200
    with session_scope() as session:
        for key in ("caseworker2", "leader"):
            session.add(SessionParticipant(session_id=sid, user_id=user_id(key), position=9))
    api = f"/api/v1/sessions/{sid}/feedback"
    criterion = int(names["criterion_for_feedback"])  # type: ignore[call-overload]
    found = feedback.matrix_items(owner, supervisor, api, criterion, 0.2, "session_")
    found["team_session_id"] = sid
    return found | brought_names(owner, names, "session", api, 0.4)


# Running the matrix -----------------------------------------------------------------------


def expected_for(key: str, actor: str, call: Call) -> tuple[int, str | None]:
    cell = MATRIX[key][ACTORS.index(actor)]
    status, location = cell if isinstance(cell, tuple) else (cell, None)
    if status == 200 and call.ok is not None:
        status = call.ok
    if status == LOGIN:
        location = "/login?next="
    return status, location


def is_success(status: int) -> bool:
    return 200 <= status < 400 and status != LOGIN


def request_for(key: str, call: Call, actor: str, scene_names: dict[str, object]) -> dict[str, Any]:
    """method, url and body for one call of a route, as keyword arguments of request()."""
    method, template = key.split(" ", 1)
    names = {**scene_names, "actor": actor}
    if call.fresh_recording or call.fresh_ready:
        names["recording_id"] = names[f"fresh {key}"]
    url = template
    for name in re.findall(r"{(\w+)}", template):
        value = call.path.get(name, name)
        url = url.replace("{" + name + "}", str(names.get(value, value)))
    kwargs: dict[str, Any] = {"method": method, "url": url, "follow_redirects": False}
    if call.headers:
        kwargs["headers"] = call.headers
    if call.json is not None:
        kwargs["json"] = {k: _fill(v, names) for k, v in call.json.items()}
    if call.data is not None:
        kwargs["data"] = {k: v.format(**names) for k, v in call.data.items()}
    if call.content is not None:
        kwargs["content"] = call.content
    return kwargs


def _fill(value: object, names: dict[str, object]) -> object:
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    if isinstance(value, str) and isinstance(names.get(value.strip("{}")), list):
        return names[value.strip("{}")]  # a list from the scene, whole
    if not isinstance(value, str):
        return value
    filled = value.format(**names)
    return int(filled) if filled.isdigit() else filled


def perform(
    key: str, call: Call, actor: str, scene: Scene, open_client: ClientFactory, media: MediaSet
) -> Response:
    client = scene.clients[actor]
    if call.fresh_client:
        client = open_client(None if actor == "anonymous" else email_of(actor))
    kwargs = request_for(key, call, actor, scene.names)
    if call.upload:
        own = {"title": f"Egen optagelse ({actor})", "case_reference": "EGEN-1"}
        return upload_file(client, media, url=kwargs["url"], **own)
    return client.request(**kwargs)


def excerpt(response: Response) -> str:
    """Enough of an answer to see what went wrong: text as text, anything else by size."""
    kind = response.headers.get("content-type", "")
    if kind.startswith("text/html"):
        main = response.text.split("<main", 1)[-1]
        return "page: " + " ".join(re.sub(r"<[^>]+>", " ", main).split())[:150]
    if kind.startswith(("application/json", "text/")):
        return " ".join(response.text.split())[:150]
    return f"<{len(response.content)} bytes of {kind or 'unknown type'}>"


def test_access_matrix(scene: Scene, open_client: ClientFactory, media: MediaSet) -> None:
    failures: list[str] = []
    checked = 0
    for key in MATRIX:
        for call in CALLS.get(key, [Call()]):
            # Refusals first, the successes last: a destructive success cannot spoil the rest.
            order = sorted(ACTORS, key=lambda a: is_success(expected_for(key, a, call)[0]))
            for actor in order:
                status, location = expected_for(key, actor, call)
                where = f"{key}{f' [{call.label}]' if call.label else ''} as {actor}"
                response = perform(key, call, actor, scene, open_client, media)
                checked += 1
                got = response.status_code
                if got != status:
                    failures.append(f"{where}: got {got}, expected {status}: {excerpt(response)}")
                elif location is not None:
                    sent = response.headers.get("location", "")
                    if not sent.startswith(location):
                        failures.append(f"{where}: redirected to {sent!r}, expected {location}…")
                if actor not in ("owner", "shared"):
                    allowed = AUDIT_NEEDS.get(key, set()) if actor == "admin" else set()
                    found = [
                        s
                        for s in scene.secrets
                        if s.encode() in response.content and s not in allowed
                    ]
                    if found:
                        failures.append(f"{where}: the answer contains the recording's {found}")
                if "{recording_id}" in key and is_success(got):
                    # A recording's content is never kept in a open_client's or a proxy's cache.
                    cache = response.headers.get("cache-control", "")
                    if "no-store" not in cache:
                        failures.append(f"{where}: Cache-Control is {cache!r}, not no-store")
                if call.fresh_recording and actor == "owner" and got == status:
                    fresh = scene.names[f"fresh {key}"]
                    gone = scene.clients["owner"].get(f"/api/v1/recordings/{fresh}")
                    if gone.status_code != 404:
                        failures.append(f"{where}: the recording is still there ({gone})")
    assert checked >= len(MATRIX) * len(ACTORS)
    assert not failures, f"{len(failures)} of {checked} cells differ:\n" + "\n".join(failures)


def test_every_state_changing_route_needs_the_csrf_token(
    sqlite_db: str, open_client: ClientFactory, media: MediaSet
) -> None:
    """A logged-in open_client whose request lacks the token (a forged cross-site post) gets 403
    from every POST, PATCH and DELETE, and nothing happens."""
    owner = open_client(email_of("owner"))
    admin = open_client(email_of("admin"))
    recording_id = new_recording(owner, media)
    names: dict[str, object] = {
        "recording_id": recording_id,
        "segment_id": 1,
        "share_id": 1,
        "user_id": user_id("caseworker2"),
        "team_id": 1,
        "code": "en",
    }
    names.update({f"fresh {key}": recording_id for key in MATRIX})
    names.update({name: 1 for call in CALLS.values() for c in call for name in c.path.values()})
    names.update(share_target=1, team_for_page_share=1, user_to_update=1, confirm_target=1)
    names.update(page_share_target=1)
    names.update(criterion_for_feedback=1, criteria_order=[1])
    names.update(sessions.CSRF_NAMES)
    names.update(clips.CSRF_NAMES)
    failures = []
    for key in MATRIX:
        method, template = key.split(" ", 1)
        if method == "GET" or key in CSRF_EXEMPT:
            continue
        client = admin if template.startswith("/admin/") else owner
        call = CALLS.get(key, [Call()])[0]
        kwargs = request_for(key, call, "owner", names)
        token = client.headers.pop("X-CSRF-Token")
        try:
            if call.upload:
                response = upload_file(client, media, url=kwargs["url"])
            else:
                response = client.request(**kwargs)
        finally:
            client.headers["X-CSRF-Token"] = token
        if response.status_code != 403:
            failures.append(f"{key}: got {response.status_code} without the CSRF token")
    assert not failures, "\n".join(failures)
    assert owner.get(f"/api/v1/recordings/{recording_id}").status_code == 200
    assert owner.get("/api/v1/me").status_code == 200  # the forged logout did nothing
    assert admin.get("/api/v1/me").status_code == 200


# Team shares and changes that take effect at once -----------------------------------------


def can_see(client: TestClient, recording_id: str, processed: bool = True) -> bool:
    """The read route, the media (once processed) and the list agree on what this person sees."""
    read = client.get(f"/api/v1/recordings/{recording_id}").status_code
    listed = recording_id in [r["id"] for r in client.get("/api/v1/recordings").json()["data"]]
    assert read in (200, 404) and listed == (read == 200), (read, listed)
    if processed:
        media = client.get(f"/api/v1/recordings/{recording_id}/media").status_code
        assert media == read, (read, media)
    return read == 200


def sees_clip(client: TestClient, clip_id: int) -> bool:
    """The clip's read route, its page and its transcript agree on what this person sees."""
    answers = {
        client.get(f"/api/v1/clips/{clip_id}").status_code,
        client.get(f"/clips/{clip_id}").status_code,
        client.get(f"/api/v1/clips/{clip_id}/transcript").status_code,
    }
    assert answers in ({200}, {404}), answers
    return answers == {200}


def test_team_share_reaches_members_only_and_ends_with_membership(
    sqlite_db: str, open_client: ClientFactory, media: MediaSet
) -> None:
    owner, supervisor, caseworker2, leader, admin = (
        open_client(email_of(actor)) for actor in ("owner", "shared", "other", "leader", "admin")
    )
    recording_id = ready_recording(owner, media)
    # A team gets clips only, once their caseworker has approved what the team will see.
    clip_id = sessions.make_clip(recording_id, user_id("caseworker"))
    team = make_team("Sparringsgruppe", [user_id("supervisor"), user_id("leader")])
    whole = owner.post(f"/api/v1/recordings/{recording_id}/shares", json={"team_id": team})
    assert whole.status_code == 422 and whole.json()["code"] == "share.team_needs_clip"
    approve_protected(clip_id)
    shared = owner.post(f"/api/v1/clips/{clip_id}/shares", json={"team_id": team})
    assert shared.status_code == 201, shared.text
    share_id = shared.json()["id"]

    # The leader is in the team too: a leader never sees a recording or a clip.
    assert sees_clip(owner, clip_id)
    assert sees_clip(supervisor, clip_id)
    assert not can_see(supervisor, recording_id)  # the clip, never the recording
    assert not sees_clip(caseworker2, clip_id)
    assert not sees_clip(leader, clip_id)
    assert not sees_clip(admin, clip_id)
    page = supervisor.get(f"/clips/{clip_id}")
    # Whom else it is shared with is the owner's business.
    assert "Sparringsgruppe" not in page.text
    assert supervisor.get(f"/api/v1/clips/{clip_id}/shares").status_code == 403

    # Membership changes apply to the very next request, in the same session. Someone who
    # joins after the share sees nothing until the owner confirms them.
    set_members(team, [user_id("caseworker2")])
    assert not sees_clip(supervisor, clip_id)
    assert not sees_clip(caseworker2, clip_id)
    viewers = owner.get(f"/api/v1/clips/{clip_id}/shares").json()[0]["viewers"]
    assert viewers == [
        {
            "user_id": user_id("caseworker2"),
            "name": BASE_USERS["caseworker2"][1],
            "status": "pending",
        }
    ]
    confirm = f"/api/v1/clips/{clip_id}/shares/{share_id}/confirm"
    assert owner.post(confirm, json={"user_id": user_id("caseworker2")}).status_code == 204
    assert sees_clip(caseworker2, clip_id)

    # So does the administrator's form.
    response = admin.post(f"/admin/teams/{team}/members", data={}, follow_redirects=False)
    assert response.status_code == 303
    assert not sees_clip(caseworker2, clip_id)

    # Rejoining is joining later: the owner again.
    set_members(team, [user_id("caseworker2")])
    assert not sees_clip(caseworker2, clip_id)
    assert owner.post(confirm, json={"user_id": user_id("caseworker2")}).status_code == 204
    assert sees_clip(caseworker2, clip_id)
    # And withdrawing the team's share.
    response = owner.delete(f"/api/v1/clips/{clip_id}/shares/{share_id}")
    assert response.status_code == 204
    assert not sees_clip(caseworker2, clip_id)


def test_withdrawn_personal_share_ends_access_at_once(
    sqlite_db: str, open_client: ClientFactory, media: MediaSet
) -> None:
    owner, supervisor = open_client(email_of("owner")), open_client(email_of("shared"))
    recording_id = ready_recording(owner, media)
    share_id = share(owner, recording_id, user_id=user_id("supervisor"))
    assert can_see(supervisor, recording_id)
    for fmt in ("vtt", "srt", "txt"):
        url = f"/api/v1/recordings/{recording_id}/transcript/export.{fmt}"
        assert supervisor.get(url).status_code == 200
    response = owner.post(
        f"/recordings/{recording_id}/shares/{share_id}/withdraw", follow_redirects=False
    )
    assert response.status_code == 303
    assert not can_see(supervisor, recording_id)
    for suffix in ("/poster", "/transcript", "/transcript/export.vtt"):
        assert supervisor.get(f"/api/v1/recordings/{recording_id}{suffix}").status_code == 404
    assert supervisor.get(f"/recordings/{recording_id}").status_code == 404


def test_ids_from_someone_elses_recording_do_nothing_through_ones_own(
    sqlite_db: str, open_client: ClientFactory, media: MediaSet
) -> None:
    """A share or a segment of another recording, named in the address of one's own: 404."""
    owner, other = open_client(email_of("owner")), open_client(email_of("other"))
    supervisor = open_client(email_of("shared"))
    theirs = ready_recording(other, media)
    mine = ready_recording(owner, media)
    their_share = share(other, theirs, user_id=user_id("supervisor"))
    their_segment = other.get(f"/api/v1/recordings/{theirs}/transcript").json()["segments"][0]

    response = owner.delete(f"/api/v1/recordings/{mine}/shares/{their_share}")
    assert response.status_code == 404
    response = owner.post(
        f"/recordings/{mine}/shares/{their_share}/withdraw", follow_redirects=False
    )
    assert response.status_code == 404
    assert can_see(supervisor, theirs)

    url = f"/api/v1/recordings/{mine}/transcript/segments/{their_segment['id']}"
    assert owner.patch(url, json={"text": "Overskrevet"}).status_code == 404
    response = owner.post(
        f"/recordings/{mine}/segments/{their_segment['id']}",
        data={"text": "Overskrevet"},
        follow_redirects=False,
    )
    assert response.status_code == 404
    after = other.get(f"/api/v1/recordings/{theirs}/transcript").json()["segments"][0]
    assert after == their_segment


def test_leaders_never_see_a_recording_even_when_shared(
    sqlite_db: str, open_client: ClientFactory, media: MediaSet
) -> None:
    owner, leader = open_client(email_of("owner")), open_client(email_of("leader"))
    recording_id = ready_recording(owner, media)
    # Sharing with a leader is refused...
    response = owner.post(
        f"/api/v1/recordings/{recording_id}/shares", json={"user_id": user_id("leader")}
    )
    assert response.status_code == 422
    response = owner.post(
        f"/recordings/{recording_id}/shares",
        data={"target": f"user:{user_id('leader')}"},
        follow_redirects=False,
    )
    assert response.status_code == 422
    # ...and a share that got there anyway (say, the person became a leader later) gives
    # nothing.
    with session_scope() as session:
        session.add(
            Share(
                recording_id=recording_id,
                user_id=user_id("leader"),
                shared_by_id=user_id("caseworker"),
            )
        )
    assert not can_see(leader, recording_id)
    for suffix in ("/poster", "/transcript", "/transcript/export.txt", "/shares"):
        assert leader.get(f"/api/v1/recordings/{recording_id}{suffix}").status_code == 404
    assert leader.get(f"/recordings/{recording_id}").status_code == 404
    assert leader.get("/recordings").status_code == 403
    figures = leader.get("/leader")
    assert figures.status_code == 200 and TITLE not in figures.text


def test_role_change_and_deactivation_take_effect_at_once(
    sqlite_db: str, open_client: ClientFactory, media: MediaSet
) -> None:
    owner, admin = open_client(email_of("owner")), open_client(email_of("admin"))
    person = make_user("skifter@kommune.test", Role.supervisor)
    them = open_client("skifter@kommune.test")
    recording_id = new_recording(owner, media)
    share(owner, recording_id, user_id=person)
    assert can_see(them, recording_id, processed=False)

    def set_role(role: str, active: bool = True) -> None:
        data = {"role": role, **({"active": "on"} if active else {})}
        response = admin.post(f"/admin/users/{person}", data=data, follow_redirects=False)
        assert response.status_code == 303

    set_role("leader")
    assert not can_see(them, recording_id, processed=False)
    set_role("supervisor")
    assert can_see(them, recording_id, processed=False)
    set_role("supervisor", active=False)
    assert them.get(f"/api/v1/recordings/{recording_id}").status_code == 401
    page = them.get(f"/recordings/{recording_id}", follow_redirects=False)
    assert page.status_code == 302 and page.headers["location"].startswith("/login")


# Both databases ---------------------------------------------------------------------------


def test_core_visibility_on_both_databases(
    db: str, open_client: ClientFactory, media: MediaSet
) -> None:
    """Own 200, shared 200, someone else's 404 (leader and administrator too), anonymous 401:
    for the recording, its media (whole and ranges), its transcript and the lists."""
    clients = actor_clients(open_client)
    recording_id = ready_recording(clients["owner"], media)
    share(clients["owner"], recording_id, user_id=user_id("supervisor"))
    expected = {"anonymous": 401, "owner": 200, "shared": 200, "other": 404, "admin": 404}
    expected["leader"] = 404
    for suffix in ("", "/media", "/transcript"):
        url = f"/api/v1/recordings/{recording_id}{suffix}"
        got = {actor: clients[actor].get(url).status_code for actor in ACTORS}
        assert got == expected, (db, suffix, got)

    check_media_ranges(clients, recording_id)
    check_lists(clients, recording_id)
    check_unknown_ids(clients["other"], recording_id)


def check_media_ranges(clients: dict[str, TestClient], recording_id: str) -> None:
    """A viewer's range request gets exactly the bytes asked for, marked private; anyone
    else gets 404 and not a byte."""
    url = f"/api/v1/recordings/{recording_id}/media"
    whole = clients["shared"].get(url)
    assert whole.status_code == 200 and len(whole.content) > 1000
    assert "no-store" in whole.headers["cache-control"]
    for viewer in ("owner", "shared"):
        part = clients[viewer].get(url, headers={"Range": "bytes=10-19"})
        assert part.status_code == 206 and part.content == whole.content[10:20], viewer
        seek = clients[viewer].get(url, headers={"Range": "bytes=1000-"})
        assert seek.status_code == 206 and seek.content == whole.content[1000:], viewer
    for actor, status in (("anonymous", 401), ("other", 404), ("admin", 404), ("leader", 404)):
        refused = clients[actor].get(url, headers={"Range": "bytes=10-19"})
        assert refused.status_code == status, actor
        assert whole.content[10:20] not in refused.content, actor


def check_lists(clients: dict[str, TestClient], recording_id: str) -> None:
    """The list API and the list page name the recording only to its owner and the sharer."""
    for actor in ("owner", "shared", "other", "admin", "leader"):
        client = clients[actor]
        listed = [r["id"] for r in client.get("/api/v1/recordings").json()["data"]]
        page = client.get("/recordings", follow_redirects=False)
        sees = actor in ("owner", "shared")
        assert (recording_id in listed) is sees, actor
        if actor == "leader":
            assert listed == [] and page.status_code == 403
        else:
            assert page.status_code == 200, actor
            assert (recording_id in page.text) is sees, actor
            assert (TITLE in page.text) is sees, actor


def check_unknown_ids(other: TestClient, recording_id: str) -> None:
    """Someone else's recording gets the very answer a recording that never existed gets."""
    unknown = "0" * len(recording_id)
    for suffix in ("", "/media", "/poster", "/transcript", "/transcript/export.vtt", "/shares"):
        a = other.get(f"/api/v1/recordings/{recording_id}{suffix}")
        b = other.get(f"/api/v1/recordings/{unknown}{suffix}")
        assert a.status_code == b.status_code == 404, suffix
        assert a.json() == b.json(), suffix
    a = other.get(f"/recordings/{recording_id}")
    b = other.get(f"/recordings/{unknown}")
    assert a.status_code == b.status_code == 404
    assert a.text.replace(recording_id, unknown) == b.text  # the page names its own address
