"""What an audit entry's stored detail says, read into words for the administrator.

What the chain stores never changes (app/audit/chain.py keys every field): the words are
made when the log is read. Every detail the code writes has a rule here (an exact wording,
or a pattern whose named groups become the message's params); one no rule matches (an older
wording) is shown as stored, with the ids in it named. The things a detail numbers are named
by app/admin/audit_names.py.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.core.i18n import N_, FileSize, N_plural
from app.core.labels import LABELS
from app.core.templates import clock


@dataclass(frozen=True)
class Ref:
    """Something an entry names by its number (or a person by e-mail), named when read."""

    kind: str
    key: str


@dataclass(frozen=True)
class Words:
    """A message in the reader's language: a msgid, or a (singular, plural) pair whose
    `num` param picks the form; params may be Refs, lists of them, or Words."""

    msgid: str | tuple[str, str]
    params: tuple[tuple[str, Any], ...] = ()
    as_stored: bool = False  # no rule read it: the stored words, with the ids named


def _words(msgid: str | tuple[str, str], **params: Any) -> Words:
    return Words(msgid, tuple(params.items()))


# What the stored words mean -----------------------------------------------------------

# A scores sheet: the caseworker's own, or a supervisor's, and how many criteria it scores.
_SCORES: list[tuple[str, str | tuple[str, str]]] = [
    (
        r"self-score, (?P<num>\d+) criteria",
        N_plural(
            "The caseworker's self-score: %(num)d criterion",
            "The caseworker's self-score: %(num)d criteria",
        ),
    ),
    (r"(?P<num>\d+) criteria", N_plural("%(num)d criterion scored", "%(num)d criteria scored")),
]

# Details that are one fixed word, by action.
EXACT: dict[tuple[str, str], str] = {
    ("login", "second factor: totp"): N_("With the password and a code from the authenticator app"),
    ("login", "second factor: recovery"): N_("With the password and a recovery code"),
    ("login", "second factor: none"): N_("With the password alone (no second factor asked for)"),
    ("login", "provider"): N_("Through the municipality's login"),
    ("second_factor_failed", "not set up"): N_("No second factor set up yet"),
    ("second_factor_failed", "second_factor.bad_code"): N_("A wrong, used or expired code"),
    ("second_factor_failed", "account.locked"): N_("Too many failed attempts: locked for a while"),
    ("password_set", "invite"): N_("Through an invitation link"),
    ("password_set", "reset"): N_("Through a password reset link"),
    ("delete", "demo ended"): N_("A demo account's recording, removed when demo mode ended"),
    ("retention_delete", "deletion date reached"): N_("The deletion date was reached"),
    ("view", "page"): N_("The page with the player and the transcript"),
    ("view", "transcript"): N_("The transcript"),
    ("view", "captions"): N_("The captions"),
    ("view", "scores"): N_("The scores on the criteria"),
    ("view", "calibration"): N_("The scores on the criteria, on the calibration page"),
    ("view", "poster"): N_("The still shown before playing"),
    ("view", "sparring"): N_("The sparring document"),
    ("view", "feedback"): N_("The feedback"),
    ("view", "session"): N_("A sparring session's page"),
    ("view", "media"): N_("The video"),
    ("view", "page transcript"): N_("The page with the player and the transcript"),
    ("playback", "media"): N_("The recording"),
    # What a team gets of a clip (issue 24): faces blurred, names and numbers hidden.
    ("playback", "protected"): N_("The clip as a team sees it (faces blurred, names hidden)"),
    ("view", "poster protected"): N_("The still of the clip as a team sees it"),
    ("view", "sparring protected"): N_("The sparring document with names hidden"),
    ("view", "sparring.pdf protected"): N_("The sparring document with names hidden, as PDF"),
    ("view", "protection review"): N_("The review of what a team will see"),
    ("clip_changed", "protected approved"): N_("The blurred clip was approved for teams"),
    ("clip_changed", "missed face removed"): N_("A stretch marked as a missed face was removed"),
    ("clip_changed", "redaction show"): N_("A hidden word is shown to the team after all"),
    ("clip_changed", "redaction unshow"): N_("A word is hidden from the team again"),
    ("clip_changed", "redaction hide"): N_("A word is hidden from the team too"),
    ("clip_changed", "redaction unhide"): N_("A word is no longer hidden by hand"),
    ("clip_changed", "person names"): N_("The people named on the recording were changed"),
    # Before issue 19 opening a page fetched the still, which was written as playback.
    ("playback", "poster"): N_("Only the still: the page was opened, nothing was played"),
    ("download", "transcript.vtt"): N_("The transcript as WebVTT"),
    ("download", "transcript.srt"): N_("The transcript as SRT"),
    ("download", "transcript.txt"): N_("The transcript as text"),
    ("download", "sparring.pdf"): N_("The sparring document as PDF"),
    ("download", "feedback.csv"): N_("The feedback as CSV"),
    ("child_page_unlocked", "password"): N_("With the password"),
    ("child_page_unlocked", "totp"): N_("With a code from the authenticator app"),
    ("child_unlock_failed", "child_voice.bad_unlock"): N_("A wrong password or code"),
    ("child_unlock_failed", "second_factor.bad_code"): N_("A wrong, used or expired code"),
    ("child_unlock_failed", "account.locked"): N_("Too many failed attempts: locked for a while"),
    ("criteria_changed", "criteria reordered"): N_("The criteria were put in a new order"),
    ("criteria_changed", "criteria required: True"): N_("Every item must now name a criterion"),
    ("criteria_changed", "criteria required: False"): N_(
        "Items may now be given without a criterion"
    ),
}

# Details with something in them, by action: (pattern, message). A pattern's named groups
# are the message's params, converted by their name (`_CONVERT`).
_EMAIL = r"(?P<email>\S+)"
_PURPOSE = r"(?P<purpose>individual|team|teaching)"
_LINK_MAILED = "; link e-mailed"
_LINK_SHOWN = "; link shown to admin"
PATTERNS: dict[str, list[tuple[str, str | tuple[str, str]]]] = {
    "login_failed": [
        (r"locked: (?P<email>.*)", N_("%(email)s: locked after too many failed attempts")),
        (r"(?P<email>.*)", N_("Tried with %(email)s")),
    ],
    "user_created": [
        (
            _EMAIL + r" (?P<role>\w+)" + _LINK_MAILED,
            N_("%(email)s as %(role)s; the one-time link was e-mailed to them"),
        ),
        (
            _EMAIL + r" (?P<role>\w+)" + _LINK_SHOWN,
            N_(
                "%(email)s as %(role)s; the one-time link was shown to the administrator "
                "to hand over"
            ),
        ),
        (_EMAIL + r" administrator \(cli\)", N_("%(email)s as administrator, made on the server")),
    ],
    "password_reset": [
        (_EMAIL + _LINK_MAILED, N_("%(email)s; the link was e-mailed to them")),
        (
            _EMAIL + _LINK_SHOWN,
            N_("%(email)s; the link was shown to the administrator to hand over"),
        ),
    ],
    "user_updated": [
        (_EMAIL + r" (?P<role>\w+) active=True", N_("%(email)s: %(role)s, active")),
        (_EMAIL + r" (?P<role>\w+) active=False", N_("%(email)s: %(role)s, disabled")),
    ],
    "account_unlocked": [(_EMAIL, "%(email)s")],
    "user_deleted": [(_EMAIL, "%(email)s")],
    "delete": [
        (r"owner " + _EMAIL + " deleted", N_("Deleted with its caseworker's account, %(email)s")),
    ],
    "second_factor_removal_proposed": [
        (_EMAIL + r"; removal (?P<n>\d+)", N_("%(email)s (request no. %(n)s)"))
    ],
    "second_factor_removal_withdrawn": [
        (_EMAIL + r"; removal (?P<n>\d+)", N_("%(email)s (request no. %(n)s)"))
    ],
    "second_factor_removed": [
        (
            _EMAIL + r"; removal (?P<n>\d+), proposed by user (?P<proposer>\d+), approved via web",
            N_("%(email)s (request no. %(n)s), proposed by %(proposer)s, approved in the web app"),
        ),
        (
            _EMAIL
            + r"; removal (?P<n>\d+), proposed by user (?P<proposer>\d+), approved via server",
            N_("%(email)s (request no. %(n)s), proposed by %(proposer)s, approved on the server"),
        ),
    ],
    "team_changed": [
        (r"created (?P<team_name>.+)", N_("The team %(team_name)s was made")),
        (
            r"(?P<team_name>.+): members \[(?P<members>[\d, ]*)\]",
            N_("%(team_name)s: the members are now %(members)s"),
        ),
    ],
    "settings_changed": [
        (
            r"retention (?P<default>\d+)/(?P<max>\d+)/(?P<warn>\d+) days",
            N_(
                "Recordings are kept %(default)s days unless chosen otherwise, at most "
                "%(max)s days; their caseworkers are warned %(warn)s days before deletion"
            ),
        ),
    ],
    "criteria_changed": [
        (r"criterion (?P<criterion>\d+) added", N_("%(criterion)s was added")),
        (
            r"criterion (?P<criterion>\d+) edited \(version (?P<n>\d+)\)",
            N_("%(criterion)s was reworded (version %(n)s)"),
        ),
        (r"criterion (?P<criterion>\d+) retired", N_("%(criterion)s was retired")),
        (r"criterion (?P<criterion>\d+) restored", N_("%(criterion)s was taken back into use")),
        (r"criterion (?P<criterion>\d+) moved up", N_("%(criterion)s was moved up")),
        (r"criterion (?P<criterion>\d+) moved down", N_("%(criterion)s was moved down")),
        (r"criteria group (?P<group>\d+) added", N_("The group %(group)s was added")),
        (r"criteria group (?P<group>\d+) edited", N_("The group %(group)s was changed")),
    ],
    "audit_export": [
        (r"(?P<num>\d+) entries", N_plural("%(num)d entry", "%(num)d entries")),
    ],
    "upload": [(r"(?P<size>\d+) bytes", "%(size)s")],
    "view": [(r"sessions (?P<sessions>[\d,]+)", N_("What was said in %(sessions)s"))],
    "transcript_edit": [(r"segment (?P<segment>\d+)", "%(segment)s")],
    "share": [
        (r"user (?P<user>\d+)", "%(user)s"),
        (r"team (?P<team>\d+)", N_("The team %(team)s")),
        (r"user (?P<user>\d+) protected", N_("%(user)s (faces blurred, names hidden)")),
        (r"team (?P<team>\d+) protected", N_("The team %(team)s (faces blurred, names hidden)")),
    ],
    "unshare": [
        (r"user (?P<user>\d+)", "%(user)s"),
        (r"team (?P<team>\d+)", N_("The team %(team)s")),
        (r"share (?P<n>\d+)", N_("Share no. %(n)s")),
        (
            r"user (?P<user>\d+); consent for " + _PURPOSE + " withdrawn",
            N_("%(user)s (the consent was withdrawn for: %(purpose)s)"),
        ),
        (
            r"team (?P<team>\d+); consent for " + _PURPOSE + " withdrawn",
            N_("The team %(team)s (the consent was withdrawn for: %(purpose)s)"),
        ),
    ],
    "consent_purpose_withdrawn": [
        (
            _PURPOSE + r"; (?P<num>\d+) shares ended",
            N_plural("%(purpose)s; %(num)d share ended", "%(purpose)s; %(num)d shares ended"),
        ),
    ],
    "share_confirmed": [
        (r"share (?P<n>\d+) user (?P<user>\d+)", N_("%(user)s (share no. %(n)s)")),
    ],
    "feedback_published": [
        (r"(?P<num>\d+) items", N_plural("%(num)d item", "%(num)d items")),
    ],
    "restored": [
        (
            r"backup of (?P<made>\S+); (?P<num>\d+) deletions replayed",
            N_plural(
                "The backup of %(made)s; %(num)d deletion made again",
                "The backup of %(made)s; %(num)d deletions made again",
            ),
        ),
    ],
    "scores_saved": _SCORES,
    "scores_published": _SCORES,
    "clip_created": [
        (r"(?P<start>[\d.]+)-(?P<end>[\d.]+)", N_("made as %(start)s–%(end)s")),
    ],
    "clip_changed": [
        (r"(?P<fields>[a-z_,]+)", N_("Changed: %(fields)s")),
        (
            r"missed face (?P<start>[\d.]+)-(?P<end>[\d.]+)",
            N_("A missed face marked, %(start)s-%(end)s s: the whole picture is blurred there"),
        ),
    ],
    "session_changed": [(r"(?P<fields>[a-z_,]+)", N_("Changed: %(fields)s"))],
    "learning_points_saved": [
        (
            r"criteria (?P<num>\d+)",
            N_plural("Tagged with %(num)d criterion", "Tagged with %(num)d criteria"),
        )
    ],
    "retention_delete": [
        (
            r"session (?P<session>\d+) reflection past its time",
            N_("%(session)s: a joint reflection whose time had passed"),
        )
    ],
    "session_planned": [
        (
            r"reflection, (?P<num>\d+) participants",
            N_plural(
                "A joint reflection, %(num)d participant",
                "A joint reflection, %(num)d participants",
            ),
        ),
        (
            r"(?P<kind>individual|team) on recording, (?P<num>\d+) participants",
            N_plural(
                "%(kind)s on the whole recording, %(num)d participant",
                "%(kind)s on the whole recording, %(num)d participants",
            ),
        ),
        (
            r"(?P<kind>individual|team) on clip (?P<clip>\d+), (?P<num>\d+) participants",
            N_plural(
                "%(kind)s on %(clip)s, %(num)d participant",
                "%(kind)s on %(clip)s, %(num)d participants",
            ),
        ),
    ],
    "participant_added": [
        (r"user (?P<user>\d+) \(\d+ added\)", "%(user)s"),
        (
            r"team (?P<team>\d+) \((?P<num>\d+) added\)",
            N_plural(
                "The team %(team)s: %(num)d person added", "The team %(team)s: %(num)d people added"
            ),
        ),
    ],
    "participant_removed": [(r"user (?P<user>\d+)", "%(user)s")],
    "self_assessment_scheduled": [
        (
            r"round (?P<number>\d+) (?P<label>.+): (?P<opens>[\d-]+) to (?P<closes>[\d-]+), "
            r"(?P<num>\d+) statements",
            N_plural(
                "%(label)s (round no. %(number)s), open %(opens)s to %(closes)s, %(num)d statement",
                "%(label)s (round no. %(number)s), open %(opens)s to %(closes)s, "
                "%(num)d statements",
            ),
        ),
    ],
    "self_assessment_changed": [
        (
            r"round (?P<number>\d+) (?P<label>.+): (?P<opens>[\d-]+) to (?P<closes>[\d-]+)",
            N_("%(label)s (round no. %(number)s), now open %(opens)s to %(closes)s"),
        ),
    ],
    "self_assessment_cancelled": [
        (
            r"round (?P<number>\d+) (?P<label>.+): (?P<opens>[\d-]+) to (?P<closes>[\d-]+)",
            N_("%(label)s (round no. %(number)s), which was to be open %(opens)s to %(closes)s"),
        ),
    ],
    "login_refused": [
        (r"provider: (?P<reason>[^;]+); (?P<who>.*)", N_("%(reason)s; %(who)s")),
    ],
    "identity_linked": [
        (r"(?P<issuer>\S+) sub=(?P<sub>.*)", N_("The identity %(sub)s at %(issuer)s")),
    ],
}
# What is done to a feedback item or reply: each names the item it was done to.
FEEDBACK_ACTIONS = (
    "feedback_added",
    "feedback_edited",
    "feedback_deleted",
    "feedback_published",
    "feedback_brought",
    "feedback_taken_back",
)
for _action in FEEDBACK_ACTIONS:
    PATTERNS.setdefault(_action, []).extend(
        [
            (r"feedback (?P<feedback>\d+)", "%(feedback)s"),
            (r"reply (?P<feedback>\d+)", "%(feedback)s"),
        ]
    )
_COMPILED = {
    action: [(re.compile(pattern), message) for pattern, message in rules]
    for action, rules in PATTERNS.items()
}

# What is done to clips and sessions themselves, in the order a session's life has them.
CLIP_AND_SESSION_ACTIONS = (
    "clip_created",
    "clip_changed",
    "clip_deleted",
    "session_planned",
    "session_changed",
    "participant_added",
    "participant_removed",
    "session_summary_saved",
    "learning_points_saved",
    "session_closed",
    "session_joined",
)
# Details that may begin with the clip or session the action went through ("clip 7 …").
PLACED = {
    "view",
    "playback",
    "download",
    "share",
    "share_confirmed",
    "unshare",
    *FEEDBACK_ACTIONS,
    *CLIP_AND_SESSION_ACTIONS,
}
_PLACE = re.compile(r"(?P<kind>clip|session) (?P<id>\d+)(?: (?P<rest>.*))?")

# The fields a clip or session change names.
FIELD_WORDS = {
    "title": N_("the title"),
    "request_text": N_("the request"),
    "start_seconds": N_("the start"),
    "end_seconds": N_("the end"),
    "kind": N_("the kind"),
    "starts_at": N_("the time"),
    "question": N_("the question"),
}
# Why the municipality's login was turned away (the error codes of app.identity).
REASON_WORDS = {
    "no role": N_("No role given yet"),
    "identity.awaiting_role": N_("No role given yet"),
    "identity.disabled": N_("The account is disabled"),
    "identity.email_taken": N_("The e-mail address belongs to another account"),
    "identity.no_email": N_("The municipality's login gave no e-mail address"),
    "identity.taken": N_("The identity belongs to another account"),
    "identity.already_linked": N_("The account is already linked to another identity"),
    "link without its account's session": N_("A link without the account's own login"),
}
_ANY_ID = re.compile(r"\b(?P<kind>user|team|clip|session|feedback|segment) (?P<id>\d+)\b")


def _convert(name: str, value: str) -> Any:
    """A matched group as its param: a thing to name, words, a number, or the text."""
    if name in ("user", "proposer"):
        return Ref("user", value)
    if name in ("team", "clip", "session", "feedback", "segment", "criterion", "group"):
        return Ref(name, value)
    if name == "email":
        return Ref("email", value)
    if name == "members":
        people = [Ref("user", n) for n in re.findall(r"\d+", value)]
        return people or _words(N_("no one"))
    if name == "sessions":
        return [Ref("session", n) for n in value.split(",") if n]
    if name == "role":
        return _words(LABELS["role"].get(value, value))
    if name == "kind":
        return _words(LABELS["session.kind"].get(value, value))
    if name == "fields":
        return [_words(FIELD_WORDS.get(f, f)) for f in value.split(",") if f]
    if name == "size":
        return FileSize(int(value))
    if name == "num":
        return int(value)
    if name in ("start", "end"):
        return clock(float(value))
    if name == "purpose":
        return _words(LABELS["consent.purpose"].get(value, value))
    if name == "reason":
        return _words(REASON_WORDS.get(value, value))
    return value


def _matched(action: str, rest: str) -> Words | None:
    if (action, rest) in EXACT:
        return _words(EXACT[(action, rest)])
    for pattern, message in _COMPILED.get(action, []):
        found = pattern.fullmatch(rest)
        if found:
            params = {k: _convert(k, v) for k, v in found.groupdict().items() if v is not None}
            return Words(message, tuple(params.items()))
    return None


def _unmatched(text: str) -> Words:
    """A detail no rule knows, as stored, with the things it numbers named."""
    parts: list[Any] = []
    at = 0
    for found in _ANY_ID.finditer(text):
        parts += [text[at : found.start()], Ref(found["kind"], found["id"])]
        at = found.end()
    parts.append(text[at:])
    template = "".join(f"%(p{i})s" for i in range(len(parts)))
    return Words(template, tuple((f"p{i}", p) for i, p in enumerate(parts)), as_stored=True)


def parse(action: str, detail: str) -> Words | None:
    """What a stored detail says, to be put in the reader's words; None when it is empty."""
    if not detail:
        return None
    found = _matched(action, detail)
    if found is not None:
        return found
    place = _PLACE.fullmatch(detail) if action in PLACED else None
    if place is None:
        return _unmatched(detail)
    where = Ref(place["kind"], place["id"])
    rest = place["rest"] or ""
    if not rest:
        return _words("%(where)s", where=where)
    what = _matched(action, rest) or _unmatched(rest)
    return _words(N_("%(where)s: %(what)s"), where=where, what=what)


def understood(action: str, detail: str) -> bool:
    """Whether a rule reads the detail (rather than showing it as stored)."""

    def read(value: Any) -> bool:
        if isinstance(value, Words):
            return not value.as_stored and all(read(p) for _, p in value.params)
        if isinstance(value, list):
            return all(read(v) for v in value)
        return True

    return read(parse(action, detail))


def refs(value: Any) -> Iterator[Ref]:
    if isinstance(value, Ref):
        yield value
    elif isinstance(value, Words):
        for _, param in value.params:
            yield from refs(param)
    elif isinstance(value, list):
        for item in value:
            yield from refs(item)
