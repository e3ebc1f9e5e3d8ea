"""Pages of a long list read as ids first, then the page's rows (a "deferred join").

With ``OFFSET``, PostgreSQL builds and drops every skipped row: on a proposals page 50 that
was 2,450 pairs joined with both people (a hash join over all 100,000 participants). Here
the offset walks an index of ids only (``(intake, score, id)`` for the proposals), and only
the page's 50 ids are joined and prefetched: one query more, the same on every page.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from wagtail.admin.paginator import WagtailPaginator


class DeferredJoinMixin:
    """For a ``Paginator`` over a queryset: ``page()`` reads the page's ids, then its rows."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(page_rows(self.object_list, bottom, top), number, self)


def page_rows(queryset, bottom: int, top: int) -> list:
    """Rows ``bottom:top`` of ``queryset`` in its order: ids first, then those rows."""
    if not isinstance(queryset, QuerySet) or queryset.query.distinct:
        return list(queryset[bottom:top])
    ids = list(queryset.values_list("pk", flat=True)[bottom:top])
    rows = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


class DeferredJoinPaginator(DeferredJoinMixin, Paginator):
    """Django's paginator (modeladmin's participant list)."""


class DeferredJoinWagtailPaginator(DeferredJoinMixin, WagtailPaginator):
    """Wagtail's paginator (the buddy listing views)."""
