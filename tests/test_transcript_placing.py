"""Which transcript lines an item of feedback goes with (app/transcripts/placing.py): the rule
behind the transcript's marks and the sparring document's excerpts (issue 19). Supervisors
press F just after they hear something, so an item between lines goes with the one it
follows; none vanishes."""

from dataclasses import dataclass

from app.transcripts.placing import lines_for


@dataclass(frozen=True)
class L:
    start: float
    end: float
    text: str


LINES = [L(0.5, 6.0, "a"), L(6.5, 14.0, "b"), L(15.0, 20.0, "c")]


def texts(start: float | None, end: float | None = None, lines: list[L] = LINES) -> list[str]:
    return [line.text for line in lines_for(lines, start, end)]


def test_a_range_goes_with_the_lines_it_overlaps() -> None:
    assert texts(3.0, 8.0) == ["a", "b"]
    assert texts(6.0, 6.5) == ["a"]  # touching is not overlapping: it follows "a"
    assert texts(10.0, 30.0) == ["b", "c"]


def test_a_moment_goes_with_the_line_holding_it() -> None:
    assert texts(1.0) == ["a"]
    assert texts(6.5) == ["b"]  # a line's first instant is its own
    assert texts(20.0) == ["c"]  # the last line's last instant


def test_an_item_between_lines_goes_with_the_line_it_follows() -> None:
    assert texts(6.47) == ["a"]  # pressed a moment before "b" starts
    assert texts(14.5) == ["b"]  # in a one-second pause
    assert texts(14.2, 14.8) == ["b"]  # a range inside the pause
    assert texts(25.0) == ["c"]  # after the last line


def test_an_item_before_every_line_goes_with_the_first() -> None:
    assert texts(0.1) == ["a"]
    assert texts(0.0, 0.3) == ["a"]


def test_nothing_without_a_start_or_without_lines() -> None:
    assert texts(None) == []
    assert texts(3.0, lines=[]) == []
