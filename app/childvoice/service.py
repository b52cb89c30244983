"""The child's own voice: right after the conversation the child rates it on the
caseworker's tablet, on a page the browser is held on until the caseworker unlocks it.

The rating is kept with the recording (and goes with it), shown where the recording is
(its page, its sparring document), and reaches a leader only as a team's quarterly mean
over enough ratings and caseworkers that no child and no conversation stands out.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from statistics import mean

from sqlmodel import Session, col, select

from app.access import policy
from app.accounts import second_factor, security
from app.accounts import service as accounts
from app.accounts.models import Team, TeamMember, User
from app.accounts.subject import Subject
from app.audit.service import Action, audit_now, audit_on_commit
from app.childvoice.models import ChildPage, ChildRating
from app.core.errors import BadInput, Conflict, NotAuthenticated, TooManyAttempts
from app.core.i18n import N_, translate
from app.core.text import free_text
from app.core.timeutil import to_local, utcnow
from app.recordings.models import Recording

PAGE = "/child-voice"  # the held page; its forms post below it
WORD_LIMIT = 200
SCALE = range(1, 6)  # 1: the saddest face, 5: the happiest


@dataclass(frozen=True)
class Question:
    field: str  # the ChildRating column
    measure: str  # its key in the leader's figures
    text: str  # N_(): what the child reads and hears
    short: str  # N_(): its name where adults read the answers
    answers: tuple[str, str, str, str, str]  # N_(): the faces' names, saddest first


QUESTIONS = (
    Question(
        "talk",
        "child_rating_q1",
        N_("How was it to talk with me today?"),
        N_("How it was to talk"),
        (N_("Very bad"), N_("Bad"), N_("In between"), N_("Good"), N_("Very good")),
    ),
    Question(
        "heard",
        "child_rating_q2",
        N_("Did you feel that I listened to you?"),
        N_("Whether the child felt listened to"),
        (N_("Not at all"), N_("A little"), N_("Somewhat"), N_("A lot"), N_("Very much")),
    ),
)
MEASURES = {q.measure: q for q in QUESTIONS}


class BadUnlock(NotAuthenticated):
    """A wrong password or code on the child's page: it stays held."""


# The held page -------------------------------------------------------------------------


def held(*, session: Session, token: str | None) -> ChildPage | None:
    """The child's page this login is held on, if any."""
    return session.get(ChildPage, security.token_hash(token)) if token else None


def hold(session: Session, token: str, path: str) -> str | None:
    """For app.accounts.deps: a held login reaches the child's page and its forms only."""
    if path == PAGE or path.startswith(f"{PAGE}/"):
        return None
    return PAGE if held(session=session, token=token) is not None else None


def open_page(*, session: Session, subject: Subject, token: str | None, recording_id: str) -> None:
    """The recording's caseworker hands the tablet to the child: this login is held on the
    child's page from now on."""
    recording = policy.owned_recording(session, subject, recording_id)
    user = session.get(User, subject.id)
    if user is None or token is None:
        return
    if user.password_hash is None and not second_factor.enrolled(user):
        raise Conflict(
            N_(
                "The child's page is unlocked with your password or a code from your "
                "authenticator app, and you have neither. Set one up first."
            ),
            code="child_voice.cannot_unlock",
        )
    page = held(session=session, token=token) or ChildPage(
        token_hash=security.token_hash(token), recording_id=recording.id
    )
    page.recording_id, page.opened_at, page.rated_at = recording.id, utcnow(), None
    session.add(page)
    audit_on_commit(session, subject, Action.child_page_opened, recording.id)


def rate(
    *,
    session: Session,
    subject: Subject,
    page: ChildPage,
    answers: dict[str, str | None],
    word: str | None,
) -> ChildRating:
    """What the child chose, kept with the recording; the page thanks the child next."""
    values: dict[str, int | None] = {}
    for question in QUESTIONS:
        given = (answers.get(question.field) or "").strip()
        if given and (not given.isdigit() or int(given) not in SCALE):
            raise BadInput(N_("Choose one of the faces."), code="child_voice.bad_answer")
        values[question.field] = int(given) if given else None
    said = free_text(word or "", field="word", limit=WORD_LIMIT, prefix="child_voice.")
    if all(v is None for v in values.values()) and not said:
        raise BadInput(
            N_("Choose a face, or write a word."), code="child_voice.empty", field="talk"
        )
    rating = ChildRating(
        recording_id=page.recording_id,
        talk=values["talk"],
        heard=values["heard"],
        word=said or None,
    )
    session.add(rating)
    page.rated_at = utcnow()
    session.add(page)
    # The log says that the child answered, never what: that stays with the recording.
    audit_on_commit(session, subject, Action.child_rated, page.recording_id)
    return rating


def unlock(*, session: Session, user: User, page: ChildPage, secret: str, address: str) -> str:
    """The caseworker's password, or the code their authenticator shows now, ends the hold
    (throttled as a login is); returns the recording's id. Refusals are audited."""
    subject = Subject.of(user, address=address)
    recording_id = page.recording_id
    is_code = second_factor.enrolled(user) and second_factor.looks_like_code(secret)
    try:
        if is_code:
            how = second_factor.check(session=session, user=user, code=secret, address=address)
        else:
            how = "password"
            found = accounts.authenticate(
                session=session, email=user.email, password=secret, address=address
            )
            if found is None or found.id != user.id:
                raise BadUnlock(
                    N_("That was not the right password or code. The page is still locked."),
                    code="child_voice.bad_unlock",
                )
    except (second_factor.BadCode, BadUnlock, TooManyAttempts) as exc:
        # Nothing was changed; a claim that found nothing still holds SQLite's write lock,
        # which the audit log's own transaction would wait on.
        session.rollback()
        audit_now(subject, Action.child_unlock_failed, recording_id, detail=exc.code)
        if isinstance(exc, second_factor.BadCode):
            raise BadUnlock(
                N_("That was not the right password or code. The page is still locked."),
                code="child_voice.bad_unlock",
            ) from exc
        raise
    session.delete(page)
    audit_on_commit(session, subject, Action.child_page_unlocked, recording_id, detail=how)
    return recording_id


# Shown with the recording ----------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    question: str
    value: int
    label: str


@dataclass(frozen=True)
class RatingView:
    """One child's rating in the reader's language."""

    id: int
    created_at: datetime
    answers: tuple[Answer, ...]
    word: str | None


def ratings(*, session: Session, recording_id: str) -> list[ChildRating]:
    query = (
        select(ChildRating)
        .where(ChildRating.recording_id == recording_id)
        .order_by(col(ChildRating.created_at), col(ChildRating.id))
    )
    return list(session.exec(query).all())


def shown(*, session: Session, recording_id: str, lang: str) -> list[RatingView]:
    """The recording's ratings as its page and its sparring document show them (the caller
    has checked that the reader sees the recording itself, not only a clip of it)."""
    views = []
    for rating in ratings(session=session, recording_id=recording_id):
        answers = tuple(
            Answer(
                question=translate(q.text, lang),
                value=value,
                label=translate(q.answers[value - 1], lang),
            )
            for q in QUESTIONS
            if (value := getattr(rating, q.field)) is not None
        )
        views.append(RatingView(rating.id or 0, rating.created_at, answers, rating.word))
    return views


# The leader's figures ----------------------------------------------------------------------


def quarter(moment: datetime) -> str:
    """The municipality's quarter of a moment: "2026-Q4"."""
    local = to_local(moment)
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


def leader_table(session: Session, min_group: int) -> list[dict[str, object]]:
    """Per team (its members' recordings) and quarter, the mean of each question's answers:
    a team and quarter with fewer than `min_group` ratings or caseworkers is left out, and
    so is a question fewer than `min_group` children answered there. Newest first."""
    found = session.exec(
        select(Team.name, Recording.owner_id, ChildRating)
        .join(Recording, col(Recording.id) == ChildRating.recording_id)
        .join(TeamMember, col(TeamMember.user_id) == Recording.owner_id)
        .join(Team, col(Team.id) == TeamMember.team_id)
    ).all()
    groups: dict[tuple[str, str], list[tuple[int, ChildRating]]] = defaultdict(list)
    for team, owner_id, rating in found:
        groups[(team, quarter(rating.created_at))].append((owner_id, rating))
    rows: list[dict[str, object]] = []
    for (team, period), items in sorted(groups.items(), key=lambda g: (g[0][1], g[0][0])):
        if len(items) < min_group or len({owner for owner, _ in items}) < min_group:
            continue
        for question in QUESTIONS:
            values = [v for _, r in items if (v := getattr(r, question.field)) is not None]
            if len(values) < min_group:
                continue
            rows.append(
                {
                    "team": team,
                    "period": period,
                    "measure": question.measure,
                    "value": round(mean(values), 1),
                    "group_size": len(values),
                }
            )
    rows.sort(key=lambda r: str(r["period"]), reverse=True)  # stable: teams stay in order
    return rows


def measure_name(measure: str, lang: str) -> str:
    return translate(MEASURES[measure].short, lang)
