"""A new recording's consent, as the form gives it: who consented, on what day, and for
which purposes (each consented to on its own)."""

from dataclasses import dataclass
from datetime import date

from app.core.errors import BadInput
from app.core.i18n import N_
from app.recordings.models import ConsentGiver, Purpose

# The form field of each purpose's box.
PURPOSE_FIELDS = {purpose: f"consent_{purpose.value}" for purpose in Purpose}
TICKED = ("on", "true", "1", "yes")


@dataclass
class ConsentIn:
    child_consented: bool
    custody_holders_consented: bool
    given_by: ConsentGiver
    consented_on: date
    for_individual: bool
    for_team: bool
    for_teaching: bool


def _ticked(fields: dict[str, str], name: str) -> bool:
    return (fields.get(name) or "").strip().lower() in TICKED


def _giver(fields: dict[str, str]) -> ConsentGiver:
    raw = (fields.get("consent_given_by") or ConsentGiver.child_and_custody.value).strip()
    try:
        return ConsentGiver(raw)
    except ValueError as exc:
        raise BadInput(
            N_("Say who gave the consent: the child and the custody holders, or the young person."),
            code="consent.bad_giver",
            field="consent_given_by",
        ) from exc


def validate_consent(fields: dict[str, str]) -> ConsentIn:
    """Who consented (the child and the custody holders, or a young person of 15 or over
    alone), on a known day, and for at least one purpose."""
    given_by = _giver(fields)
    child = _ticked(fields, "consent_child")
    custody = _ticked(fields, "consent_custody")
    if given_by == ConsentGiver.young_person:
        if not child:
            raise BadInput(
                N_("The young person's own consent is required."),
                code="consent.required",
                field="consent_child",
            )
    elif not (child and custody):
        raise BadInput(
            N_(
                "Consent from both the child and the custody holders is required. A young "
                "person of 15 or over can consent alone: choose that under who consented."
            ),
            code="consent.required",
            field="consent_custody" if child else "consent_child",
        )
    try:
        consented_on = date.fromisoformat((fields.get("consent_date") or "").strip())
    except ValueError as exc:
        raise BadInput(
            N_("Give the date of consent (not in the future)."), code="consent.bad_date"
        ) from exc
    from app.retention.service import today

    if consented_on > today():
        raise BadInput(N_("Give the date of consent (not in the future)."), code="consent.bad_date")
    chosen = {purpose: _ticked(fields, name) for purpose, name in PURPOSE_FIELDS.items()}
    if not any(chosen.values()):
        raise BadInput(
            N_(
                "Choose at least one purpose the consent covers: individual supervision, "
                "team sparring or teaching."
            ),
            code="consent.no_purpose",
            field=PURPOSE_FIELDS[Purpose.individual],
        )
    return ConsentIn(
        child_consented=child,
        custody_holders_consented=custody,
        given_by=given_by,
        consented_on=consented_on,
        for_individual=chosen[Purpose.individual],
        for_team=chosen[Purpose.team],
        for_teaching=chosen[Purpose.teaching],
    )
