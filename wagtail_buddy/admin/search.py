"""One search behaviour on every coordinator list: a full name or an email finds the person.

Every word typed must match the same person's first name, last name or email (so
"Ana García" finds Ana García, and "ana@" her email); on pair lists, either person of the
pair may be the one found.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Q, QuerySet

MAX_WORDS = 6


def person_matches(q: str, prefix: str = "") -> Q:
    """Every word of ``q`` in the first name, last name or email of one person."""
    condition = Q()
    for word in q.split()[:MAX_WORDS]:
        condition &= (Q(**{f"{prefix}first_name__icontains": word})
                      | Q(**{f"{prefix}last_name__icontains": word})
                      | Q(**{f"{prefix}email__icontains": word}))
    return condition


def search_people(queryset: QuerySet, q: str, prefixes: Sequence[str] = ("",)) -> QuerySet:
    """``queryset`` narrowed to rows where one of the people (``prefixes``) matches ``q``."""
    q = (q or "").strip()[:100]
    if not q.split():
        return queryset
    condition = Q()
    for prefix in prefixes:
        condition |= person_matches(q, prefix)
    return queryset.filter(condition)
