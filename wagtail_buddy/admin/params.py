"""Parsing of ids and months typed into admin URLs and forms: bad input is ``None``, never a
500.

``int()`` alone is not enough: it accepts ``"²"`` after ``str.isdigit()`` (and then raises),
and a 25-digit id overflows the database's 64-bit integers (``OverflowError`` on SQLite, a
DataError on PostgreSQL). An id is 1-18 ASCII digits, which every integer primary key holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

ID_REGEX = "[0-9]{1,18}"
_ID = re.compile(rf"{ID_REGEX}\Z", re.ASCII)
_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})\Z", re.ASCII)


def parse_id(value: object) -> int | None:
    """The positive id in ``value``, or None if it is not one."""
    text = str(value) if value is not None else ""
    if not _ID.match(text):
        return None
    number = int(text)
    return number or None


def is_id(value: object) -> bool:
    return parse_id(value) is not None


def parse_ids(values: Iterable[object]) -> list[int]:
    """The valid ids among ``values`` (invalid ones dropped), in order, without repeats."""
    ids = (parse_id(v) for v in values)
    return list(dict.fromkeys(i for i in ids if i is not None))


def parse_month(value: object) -> tuple[int, int] | None:
    """``(year, month)`` from ``"YYYY-MM"`` (year 1-9999, month 1-12), or None."""
    found = _MONTH.match(str(value or ""))
    if not found:
        return None
    year, month = int(found[1]), int(found[2])
    return (year, month) if 1 <= year <= 9999 and 1 <= month <= 12 else None


def without_nul(request) -> None:
    """Drop NUL characters from the request's GET and POST values.

    PostgreSQL cannot store or compare a string containing NUL (psycopg raises, a 500); no
    search, filter or form value of the admin has a use for one.
    """
    for name in ("GET", "POST"):
        data = getattr(request, name)
        if any("\x00" in key or any("\x00" in v for v in data.getlist(key)) for key in data):
            cleaned = data.copy()
            for key in list(cleaned):
                values = [v.replace("\x00", "") for v in cleaned.getlist(key)]
                del cleaned[key]
                cleaned.setlist(key.replace("\x00", ""), values)
            cleaned._mutable = False
            setattr(request, name, cleaned)


class IdConverter:
    """The ``<buddy_id:...>`` path converter: a valid id or no URL match (404)."""

    regex = ID_REGEX

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)  # the resolver tries the next pattern, then 404s
        return number

    def to_url(self, value: object) -> str:
        return str(value)
