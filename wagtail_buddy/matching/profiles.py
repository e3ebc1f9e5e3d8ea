"""Participant profiles, the problem record and input validation.

The engine deliberately knows nothing about Django: the admin converts its models into these
plain, immutable records (ids as strings) and the CLI parses them from JSON. Every malformed
input raises :class:`InputError` whose message names the offending record and field, so the
CLI can print it without a traceback and the admin can show it to a coordinator.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "InputError",
    "Mentor",
    "Mentee",
    "Problem",
    "parse_problem",
    "validate",
]

GENDER_PREFERENCES = ("any", "same")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InputError(ValueError):
    """Malformed matching input; the message names the record and the field."""


def _norm_set(values: Iterable[str] | None, lower: bool) -> frozenset[str]:
    if not values:
        return frozenset()
    if isinstance(values, str):
        values = [values]
    out = set()
    for v in values:
        s = str(v).strip()
        if s:
            out.add(s.lower() if lower else s)
    return frozenset(out)


def _norm_str(value: Any, upper: bool = False) -> str:
    s = "" if value is None else str(value).strip()
    return s.upper() if upper else s


def _normalise(p: Any) -> None:
    """Normalise the fields both sides share (frozen dataclass, so via object.__setattr__)."""
    set_ = object.__setattr__
    set_(p, "id", str(p.id))
    set_(p, "gender", _norm_str(p.gender).lower())
    set_(p, "gender_preference", _norm_str(p.gender_preference).lower() or "any")
    # Language codes (ISO 639-1) and interests (coordinator vocabulary) compare
    # case-insensitively, so "Hiking" and "hiking" are one interest.
    set_(p, "languages", _norm_set(p.languages, lower=True))
    set_(p, "interests", _norm_set(p.interests, lower=True))
    set_(p, "university", _norm_str(p.university))
    set_(p, "faculty", _norm_str(p.faculty))


@dataclass(frozen=True, slots=True)
class Mentor:
    """A local student (buddy) who can take up to ``capacity`` mentees."""

    id: str
    capacity: int = 1
    gender: str = ""
    gender_preference: str = "any"
    languages: frozenset[str] = frozenset()
    interests: frozenset[str] = frozenset()
    university: str = ""
    faculty: str = ""
    birth_year: int | None = None
    available_from: dt.date | None = None
    available_until: dt.date | None = None
    exchange_country: str = ""
    # Freed when their student declined or let a proposal expire: first among the feasible
    # buddies :func:`~wagtail_buddy.matching.engine.suggest` offers (runs ignore it).
    priority: bool = False

    def __post_init__(self) -> None:
        _normalise(self)
        object.__setattr__(self, "exchange_country", _norm_str(self.exchange_country, True))


@dataclass(frozen=True, slots=True)
class Mentee:
    """An incoming international student; gets at most one mentor."""

    id: str
    gender: str = ""
    gender_preference: str = "any"
    languages: frozenset[str] = frozenset()
    interests: frozenset[str] = frozenset()
    university: str = ""
    faculty: str = ""
    birth_year: int | None = None
    nationality: str = ""
    arrival: dt.date | None = None
    # Left unmatched by an earlier run: matched before anyone without it (see docs/engine.md).
    priority: bool = False

    def __post_init__(self) -> None:
        _normalise(self)
        object.__setattr__(self, "nationality", _norm_str(self.nationality, True))


@dataclass(frozen=True, slots=True)
class Problem:
    """A validated matching problem as read from JSON."""

    mentees: list[Mentee]
    mentors: list[Mentor]
    weights: dict[str, float] | None = None
    locked: list[tuple[str, str]] = field(default_factory=list)
    forbidden: list[tuple[str, str]] = field(default_factory=list)


# --------------------------------------------------------------------------- validation


def _where(kind: str, index: int, rec_id: Any = None) -> str:
    return f"{kind}[{index}]" + (f" (id {rec_id!r})" if rec_id not in (None, "") else "")


def _check_person(p: Mentor | Mentee, where: str) -> None:
    if not p.id:
        raise InputError(f"{where}: field 'id' must be a non-empty string")
    if p.gender_preference not in GENDER_PREFERENCES:
        raise InputError(
            f"{where}: field 'gender_preference' must be one of {GENDER_PREFERENCES}, "
            f"got {p.gender_preference!r}"
        )
    by = p.birth_year
    if by is not None and (isinstance(by, bool) or not isinstance(by, int)):
        raise InputError(f"{where}: field 'birth_year' must be an integer, got {by!r}")
    if by is not None and not 1900 <= by <= 2100:
        raise InputError(f"{where}: field 'birth_year' out of range: {by!r}")


def _check_mentees(mentees: Sequence[Mentee]) -> None:
    seen: dict[str, int] = {}
    for i, m in enumerate(mentees):
        if not isinstance(m, Mentee):
            raise InputError(f"mentees[{i}]: expected a Mentee, got {type(m).__name__}")
        where = _where("mentees", i, m.id)
        _check_person(m, where)
        if m.id in seen:
            raise InputError(f"{where}: duplicate id (also mentees[{seen[m.id]}])")
        seen[m.id] = i
        if m.arrival is not None and not isinstance(m.arrival, dt.date):
            raise InputError(f"{where}: field 'arrival' must be a date")


def _check_mentors(mentors: Sequence[Mentor]) -> None:
    seen: dict[str, int] = {}
    for j, t in enumerate(mentors):
        if not isinstance(t, Mentor):
            raise InputError(f"mentors[{j}]: expected a Mentor, got {type(t).__name__}")
        where = _where("mentors", j, t.id)
        _check_person(t, where)
        if t.id in seen:
            raise InputError(f"{where}: duplicate id (also mentors[{seen[t.id]}])")
        seen[t.id] = j
        cap = t.capacity
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
            raise InputError(f"{where}: field 'capacity' must be an integer >= 1, got {cap!r}")
        for name in ("available_from", "available_until"):
            v = getattr(t, name)
            if v is not None and not isinstance(v, dt.date):
                raise InputError(f"{where}: field '{name}' must be a date")
        if t.available_from and t.available_until and t.available_from > t.available_until:
            raise InputError(f"{where}: field 'available_until' is before 'available_from'")


def _pairs(kind: str, items: Iterable[tuple[str, str]], mentee_ids: set[str],
           mentor_ids: Mapping[str, int]) -> list[tuple[str, str]]:
    """``items`` as ``(mentee_id, mentor_id)`` strings, every id known."""
    out = []
    for k, pair in enumerate(items):
        try:
            a, b = pair
        except (TypeError, ValueError):
            raise InputError(
                f"{kind}[{k}]: expected a [mentee_id, mentor_id] pair, got {pair!r}"
            ) from None
        a, b = str(a), str(b)
        if a not in mentee_ids:
            raise InputError(f"{kind}[{k}]: unknown mentee id {a!r}")
        if b not in mentor_ids:
            raise InputError(f"{kind}[{k}]: unknown mentor id {b!r}")
        out.append((a, b))
    return out


def _check_locked(locked: list[tuple[str, str]], forbidden: list[tuple[str, str]],
                  mentor_cap: Mapping[str, int]) -> None:
    """One mentor per locked mentee, within capacity, and never also forbidden."""
    by_mentee: dict[str, str] = {}
    load: dict[str, int] = {}
    for k, (a, b) in enumerate(locked):
        if a in by_mentee:
            if by_mentee[a] == b:
                raise InputError(f"locked[{k}]: pair ({a!r}, {b!r}) is listed twice")
            raise InputError(
                f"locked[{k}]: mentee {a!r} is locked to two mentors ({by_mentee[a]!r}, {b!r})"
            )
        by_mentee[a] = b
        load[b] = load.get(b, 0) + 1
        if load[b] > mentor_cap[b]:
            raise InputError(
                f"locked[{k}]: mentor {b!r} has more locked mentees than its capacity "
                f"({mentor_cap[b]})"
            )
    forb = set(forbidden)
    for k, pair in enumerate(locked):
        if pair in forb:
            raise InputError(f"locked[{k}]: pair {pair!r} is both locked and forbidden")


def validate(
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    locked: Iterable[tuple[str, str]] = (),
    forbidden: Iterable[tuple[str, str]] = (),
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Check records, ids, capacities, dates and lock/forbid consistency.

    Returns the locked and forbidden pairs as lists of ``(mentee_id, mentor_id)`` strings.
    """
    _check_mentees(mentees)
    _check_mentors(mentors)
    mentee_ids = {m.id for m in mentees}
    mentor_cap = {t.id: t.capacity for t in mentors}
    locked_l = _pairs("locked", locked, mentee_ids, mentor_cap)
    forbidden_l = _pairs("forbidden", forbidden, mentee_ids, mentor_cap)
    _check_locked(locked_l, forbidden_l, mentor_cap)
    return locked_l, forbidden_l


# --------------------------------------------------------------------------- JSON parsing


def _get_str(rec: Mapping, key: str, where: str) -> str:
    v = rec.get(key)
    if v is None:
        return ""
    if isinstance(v, bool) or not isinstance(v, str | int | float):
        raise InputError(f"{where}: field {key!r} must be a string, got {v!r}")
    return str(v)


def _get_list(rec: Mapping, key: str, where: str) -> frozenset[str]:
    v = rec.get(key)
    if v is None:
        return frozenset()
    if isinstance(v, str):
        # Accept "en, de" as a convenience for CSV-ish sources.
        v = [s for s in re.split(r"[,;|]", v)]
    if not isinstance(v, list | tuple):
        raise InputError(f"{where}: field {key!r} must be a list of strings, got {v!r}")
    for x in v:
        if not isinstance(x, str | int) or isinstance(x, bool):
            raise InputError(f"{where}: field {key!r} must contain strings, got {x!r}")
    return frozenset(str(x) for x in v)


def _get_date(rec: Mapping, key: str, where: str) -> dt.date | None:
    v = rec.get(key)
    if v is None or v == "":
        return None
    if not isinstance(v, str) or not _DATE_RE.match(v.strip()):
        raise InputError(f"{where}: field {key!r} must be a date 'YYYY-MM-DD', got {v!r}")
    try:
        return dt.date.fromisoformat(v.strip())
    except ValueError:
        raise InputError(f"{where}: field {key!r} is not a valid date: {v!r}") from None


def _get_int(rec: Mapping, key: str, where: str, default: int | None) -> int | None:
    v = rec.get(key)
    if v is None or v == "":
        return default
    if isinstance(v, bool):
        raise InputError(f"{where}: field {key!r} must be an integer, got {v!r}")
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, str) and re.fullmatch(r"\s*-?\d+\s*", v):
        v = int(v)
    if not isinstance(v, int):
        raise InputError(f"{where}: field {key!r} must be an integer, got {v!r}")
    return v


def _get_id(rec: Mapping, where: str) -> str:
    v = rec.get("id")
    if v is None or isinstance(v, bool) or not isinstance(v, str | int) or str(v) == "":
        raise InputError(f"{where}: field 'id' is required (a string or a number), got {v!r}")
    return str(v)


def _common(rec: Mapping, where: str) -> dict[str, Any]:
    pref = _get_str(rec, "gender_preference", where) or "any"
    if pref.strip().lower() not in GENDER_PREFERENCES:
        raise InputError(
            f"{where}: field 'gender_preference' must be 'any' or 'same', got {pref!r}"
        )
    return dict(
        id=_get_id(rec, where),
        gender=_get_str(rec, "gender", where),
        gender_preference=pref,
        languages=_get_list(rec, "languages", where),
        interests=_get_list(rec, "interests", where),
        university=_get_str(rec, "university", where),
        faculty=_get_str(rec, "faculty", where),
        birth_year=_get_int(rec, "birth_year", where, None),
    )


def parse_mentor(rec: Any, index: int) -> Mentor:
    if not isinstance(rec, Mapping):
        raise InputError(f"mentors[{index}]: expected an object, got {type(rec).__name__}")
    where = _where("mentors", index, rec.get("id"))
    cap = _get_int(rec, "capacity", where, 1)
    if cap is None or cap < 1:
        raise InputError(f"{where}: field 'capacity' must be an integer >= 1, got {cap!r}")
    return Mentor(
        **_common(rec, where),
        capacity=cap,
        available_from=_get_date(rec, "available_from", where),
        available_until=_get_date(rec, "available_until", where),
        exchange_country=_get_str(rec, "exchange_country", where),
    )


def parse_mentee(rec: Any, index: int) -> Mentee:
    if not isinstance(rec, Mapping):
        raise InputError(f"mentees[{index}]: expected an object, got {type(rec).__name__}")
    where = _where("mentees", index, rec.get("id"))
    return Mentee(
        **_common(rec, where),
        nationality=_get_str(rec, "nationality", where),
        arrival=_get_date(rec, "arrival", where),
    )


def _parse_weights(raw: Any) -> dict[str, float] | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise InputError(f"weights: expected an object of criterion -> number, got {raw!r}")
    out = {}
    for k, v in raw.items():
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise InputError(f"weights: field {k!r} must be a finite number, got {v!r}")
        out[str(k)] = float(v)
    return out


def parse_problem(data: Any) -> Problem:
    """Build and validate a :class:`Problem` from the CLI's JSON document."""
    if not isinstance(data, Mapping):
        raise InputError("input: expected a JSON object with 'mentors' and 'mentees'")
    for key in ("mentors", "mentees"):
        if not isinstance(data.get(key, []), list):
            raise InputError(f"input: field {key!r} must be a list")
    mentors = [parse_mentor(r, i) for i, r in enumerate(data.get("mentors", []))]
    mentees = [parse_mentee(r, i) for i, r in enumerate(data.get("mentees", []))]
    for key in ("locked", "forbidden"):
        if not isinstance(data.get(key, []), list):
            raise InputError(f"input: field {key!r} must be a list of [mentee_id, mentor_id]")
    weights = _parse_weights(data.get("weights"))
    locked, forbidden = validate(
        mentees, mentors, data.get("locked", []) or [], data.get("forbidden", []) or []
    )
    return Problem(mentees, mentors, weights, locked, forbidden)
