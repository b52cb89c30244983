"""The change over time as the pages show it: the municipality's share agreeing with VIVE's
statement as a line drawn on the server (SVG), and the numbers in tables beside it."""

from dataclasses import dataclass

from sqlmodel import Session

from app.accounts import service as accounts
from app.selfassessment import service
from app.selfassessment.service import VIVE_KEY


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float  # 0..1
    label: str  # the round's
    respondents: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    points: list[Point]
    grid: list[tuple[float, int]]  # y and the per cent it marks

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def chart(points: list[tuple[str, float, int]], width: int = 640, height: int = 240) -> Chart:
    """A line over the rounds (label, share, respondents), 0 % at the bottom, 100 % at the top."""
    left, right, top, bottom = 64, 40, 24, 40
    step = (width - left - right) / max(len(points) - 1, 1)

    def y(share: float) -> float:
        return top + (1 - share) * (height - top - bottom)

    made = [
        Point(left + i * step if len(points) > 1 else width / 2, y(v), v, label, n)
        for i, (label, v, n) in enumerate(points)
    ]
    return Chart(width, height, made, [(y(p / 100), p) for p in (0, 25, 50, 75, 100)])


@dataclass(frozen=True)
class Cell:
    value: float
    respondents: int


@dataclass(frozen=True)
class Row:
    name: str  # a statement's text, or a team's name
    cells: list[Cell | None]  # one per round; None: too few answered (or not asked)


@dataclass(frozen=True)
class Results:
    periods: list[str]  # the rounds' labels, oldest first
    chart: Chart | None  # the municipality's VIVE line (None: no round to show yet)
    statements: list[Row]  # the municipality, each statement
    teams: list[Row]  # VIVE's statement, each team


def results(*, session: Session, min_group: int, lang: str) -> Results:
    """Every round's shown figures; a group of fewer than `min_group` is a gap."""
    found = service.rounds(session=session)
    column = {r.id: i for i, r in enumerate(found)}
    periods = [r.label for r in found]
    keys: dict[tuple[int, int], str] = {}
    texts: dict[str, str] = {}  # a key's newest wording
    for r in found:
        for position, statement in enumerate(service.statements(session=session, round_id=r.id)):  # type: ignore[arg-type]
            keys[(r.id, position)] = statement.key  # type: ignore[index]
            texts[statement.key] = statement.text(lang)
    whole: dict[str, list[Cell | None]] = {k: [None] * len(found) for k in texts}
    by_team: dict[int, list[Cell | None]] = {}
    for share in service.shares(session=session, min_group=min_group):
        key = keys[(share.round_id, share.position)]
        cell = Cell(share.value, share.respondents)
        if share.team_id is None:
            whole[key][column[share.round_id]] = cell
        elif key == VIVE_KEY:
            by_team.setdefault(share.team_id, [None] * len(found))[column[share.round_id]] = cell
    names = {t.id: t.name for t in accounts.list_teams(session=session)}
    vive = whole.get(VIVE_KEY, [])
    line = [(periods[i], c.value, c.respondents) for i, c in enumerate(vive) if c is not None]
    order = sorted(whole, key=lambda k: k != VIVE_KEY)  # VIVE's first, then as first asked
    return Results(
        periods=periods,
        chart=chart(line) if line else None,
        statements=[Row(texts[k], whole[k]) for k in order],
        teams=sorted(
            (Row(names.get(t, ""), cells) for t, cells in by_team.items()), key=lambda r: r.name
        ),
    )
