"""Who may come on a trek: its minimum and maximum age and least experience, for every participant.

``eligibility_check(trek, participants)`` is the one rule, called when a booking is made (inside the seat hold),
when someone joins a waitlist, and whenever a booking's participants change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from apps.bookings.errors import NotEligible
from apps.treks.models import EXPERIENCE_LEVELS, EXPERIENCE_ORDER, Trek

DEFAULT_EXPERIENCE = "never"
_LABELS = dict(EXPERIENCE_LEVELS)


def _field(person: Mapping[str, Any] | Any, name: str, default: Any = None) -> Any:
    """A participant's ``name``: from a dict (request data) or a model instance (``BookingParticipant``)."""
    if isinstance(person, Mapping):
        return person.get(name, default)
    return getattr(person, name, default)


def participant_experience(person: Mapping[str, Any] | Any, *, lead_default: str | None = None) -> str:
    """The participant's experience level: as given, else the booker's profile level for the lead (``lead_default``),
    else ``never``."""
    level = _field(person, "experience_level")
    if level in EXPERIENCE_ORDER:
        return str(level)
    return lead_default if lead_default in EXPERIENCE_ORDER else DEFAULT_EXPERIENCE


def trek_rules(trek: Trek) -> dict[str, Any]:
    """The trek's eligibility rules as the error envelope and the catalog show them (``None``: no limit)."""
    return {"min_age": trek.min_age, "max_age": trek.max_age, "min_experience_level": trek.min_experience_level}


def eligibility_violations(trek: Trek, participants: Sequence[Mapping[str, Any] | Any]) -> list[dict[str, Any]]:
    """Every rule each participant breaks: ``{"position", "name", "rule", "value", "limit", "explanation"}``."""
    found: list[dict[str, Any]] = []
    least = EXPERIENCE_ORDER.index(trek.min_experience_level or DEFAULT_EXPERIENCE)
    for position, person in enumerate(participants):
        name, age = str(_field(person, "name", "")), _field(person, "age")
        level = participant_experience(person)

        def breaks(rule: str, value: Any, limit: Any, explanation: str, _p: int = position, _n: str = name) -> None:
            found.append(
                {"position": _p, "name": _n, "rule": rule, "value": value, "limit": limit, "explanation": explanation}
            )

        if trek.min_age is not None and isinstance(age, int) and age < trek.min_age:
            breaks(
                "min_age",
                age,
                trek.min_age,
                f"{name} is {age}; {trek.name} takes trekkers aged {trek.min_age} or more.",
            )
        if trek.max_age is not None and isinstance(age, int) and age > trek.max_age:
            breaks(
                "max_age", age, trek.max_age, f"{name} is {age}; {trek.name} takes trekkers aged up to {trek.max_age}."
            )
        if EXPERIENCE_ORDER.index(level) < least:
            breaks(
                "min_experience_level",
                level,
                trek.min_experience_level,
                f"{name}: {_LABELS[level]}; {trek.name} needs at least: {_LABELS[trek.min_experience_level]}.",
            )
    return found


def eligibility_check(trek: Trek, participants: Sequence[Mapping[str, Any] | Any]) -> None:
    """Raise 400 ``not_eligible`` when a participant is outside ``trek``'s age range or below its experience level.

    ``participants``: dicts (``name``, ``age``, optional ``experience_level``) or ``BookingParticipant`` rows, in
    booking order; a participant with no experience level given counts as ``never`` (resolve the lead's from the
    booker's profile first, see :func:`participant_experience`). The envelope's ``details`` carry the trek's
    ``rules`` and every ``violations`` entry (participant position and name, the rule, value and limit).
    """
    violations = eligibility_violations(trek, participants)
    if violations:
        raise NotEligible(details={"rules": trek_rules(trek), "violations": violations})
