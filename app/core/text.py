"""What people write into the product (feedback, a clip's title, a session's summary):
stored as given and shown as text, never run. Over-long text and invisible control
characters are refused with a message naming the field; `prefix` makes the codes an API
client sees (`clip.too_long`, `session.text_bad_chars`). Every free-text field goes through
`free_text` or `refuse_unstorable`, so a lone surrogate (half of a UTF-16 pair, which JSON's
"\\ud800" can carry) is refused here with a message, never by the database with a 500.

One-line form fields (a person's or a team's name, a recording's title and case reference)
are stricter: `form_field` refuses format characters too, with the codes `field.*`."""

import unicodedata

from app.core.errors import BadInput
from app.core.i18n import N_


def has_control_characters(text: str) -> bool:
    """Characters nobody types on purpose (line breaks and tabs are fine)."""
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in text if ch not in "\n\t\r")


def has_lone_surrogates(text: str) -> bool:
    """Half of a character pair: no encoding can store it (the database would fail)."""
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)


def refuse_unstorable(text: str, *, field: str | None, code: str) -> str:
    """`text` unless it holds control characters or a lone surrogate; else refused with
    `code`, naming the field (for texts whose own checks come first: criteria, corrections)."""
    if has_lone_surrogates(text):
        broken = N_(
            "The text contains a broken character (half of a character pair). "
            "Remove it and try again."
        )
        raise BadInput(broken, code=code, field=field)
    if has_control_characters(text):
        bad = N_("The text contains invisible control characters. Remove them and try again.")
        raise BadInput(bad, code=code, field=field)
    return text


def free_text(
    text: str, *, field: str, limit: int, prefix: str, required: tuple[str, str] | None = None
) -> str:
    """The text trimmed; refused when too long, with control characters, or empty where
    `required` gives the message and code for that."""
    text = text.strip()
    if required and not text:
        raise BadInput(required[0], code=required[1], field=field)
    if len(text) > limit:
        too_long = N_("The text is too long: at most %(max)s characters.")
        raise BadInput(too_long, code=f"{prefix}too_long", field=field, max=limit)
    return refuse_unstorable(text, field=field, code=f"{prefix}bad_chars")


def field_too_long(field: str, limit: int) -> BadInput:
    return BadInput(
        N_("The field '%(field)s' may be at most %(max)s characters."),
        code="field.too_long",
        field=field,
        max=limit,
    )


def field_bad_chars(field: str) -> BadInput:
    return BadInput(
        N_("The field '%(field)s' contains characters that are not allowed."),
        code="field.bad_chars",
        field=field,
    )


def form_field(text: str, *, field: str, limit: int) -> str:
    """`text`, as the caller normalised it, if it is there, at most `limit` characters long
    and free of control and format characters; else refused, naming the field."""
    if not text:
        raise BadInput(N_("The field '%(field)s' is required."), code="field.required", field=field)
    if len(text) > limit:
        raise field_too_long(field, limit)
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Cs"} for ch in text):
        raise field_bad_chars(field)
    return text
