"""The people a caseworker names on a recording (the child, parents, siblings, school), as
the upload form and the recording's review take them: one per line (or separated by
commas), each a few words, no more than a list a person would keep."""

from app.core.errors import BadInput
from app.core.i18n import N_

NAME_MAX = 80
NAMES_MAX = 60


def one_name(value: str, *, field: str) -> str:
    """A name (or a few words) on one line, spaces tidied; one too long is refused."""
    name = " ".join((value or "").split())
    if len(name) > NAME_MAX:
        raise BadInput(
            N_("Write at most %(count)d characters."),
            code="protection.too_long",
            field=field,
            count=NAME_MAX,
        )
    return name


def listed_names(text: str, *, field: str = "person_names") -> list[str]:
    """The names in `text`, cleaned and without repeats; a name too long, or too many of
    them, is refused with a message."""
    names: list[str] = []
    for raw in (text or "").replace(",", "\n").splitlines():
        name = one_name(raw, field=field)
        if name and name.lower() not in {n.lower() for n in names}:
            names.append(name)
    if len(names) > NAMES_MAX:
        raise BadInput(
            N_("Name at most %(count)d people."),
            code="protection.too_many_names",
            field=field,
            count=NAMES_MAX,
        )
    return names
