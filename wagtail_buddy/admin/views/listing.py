"""The one list idiom of the coordinator workspace: Wagtail's generic listing view.

Filters are ``WagtailFilterSet``s (django-filter) shown in Wagtail's filter drilldown;
sorting comes from the table's column headers, pagination from Wagtail's paginator, and
search and filters refresh the results only (``index_results_url``). Each list lives under
``intake/<intake_id>/`` and is scoped by ``ProgrammePolicy``.
"""

from __future__ import annotations

from django.middleware.csrf import get_token
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import BaseColumn, Column, Table
from wagtail.admin.views.generic.base import BaseListingView

from ...permissions import MATCH
from ..labels import labels
from ..paging import DeferredJoinWagtailPaginator
from ..search import search_people
from .base import BuddyAccessMixin, IntakeMixin, url

PER_PAGE = 50


class TemplateColumn(Column):
    """A column whose cell is a buddy template (profiles, scores, row buttons).

    The cell sees the row's ``instance`` and the list's ``cell_context`` (``can_match``,
    ``next_url``, ``labels``). ``label_hidden``: the header is read by screen readers only.
    """

    def __init__(self, name, template_name: str, label_hidden: bool = False, **kwargs):
        super().__init__(name, **kwargs)
        self.cell_template_name = template_name
        if label_hidden:
            self.header_template_name = "wagtail_buddy/admin/cells/hidden_header.html"

    def get_cell_context_data(self, instance, parent_context):
        # The base column's context: the cell templates read ``instance``, never the
        # ``value`` that ``Column`` would compute (and stringify) for every cell.
        context = BaseColumn.get_cell_context_data(self, instance, parent_context)
        context.update(getattr(parent_context["table"], "cell_context", {}))
        return context


def pair_columns() -> list[TemplateColumn]:
    """The two students of a pair with their contact, sortable by last name: the columns
    every list of pairs opens with."""
    return [
        TemplateColumn("mentee", "wagtail_buddy/admin/cells/contact_mentee.html",
                       label=_("International student"), sort_key="mentee__last_name"),
        TemplateColumn("mentor", "wagtail_buddy/admin/cells/contact_mentor.html",
                       label=_("Local buddy"), sort_key="mentor__last_name"),
    ]


class BuddyTable(Table):
    """Rows carry ``data-*`` ids (``row_data``) that the scripts and the tests find rows by."""

    row_data: dict[str, str] = {}
    cell_context: dict = {}

    def get_row_attrs(self, instance):
        attrs = super().get_row_attrs(instance)
        for attr, field in self.row_data.items():
            attrs[f"data-{attr}"] = getattr(instance, field)
        return attrs


class BuddyListingView(IntakeMixin, BuddyAccessMixin, BaseListingView):
    """Base of the intake lists: ``url_name`` and ``url_name + "_results"`` are its routes."""

    url_name = ""
    template_name = "wagtail_buddy/admin/listing.html"
    paginate_by = PER_PAGE
    paginator_class = DeferredJoinWagtailPaginator
    is_searchable = True
    search_prefixes: tuple[str, ...] = ("",)
    table_class = BuddyTable
    table_classname = "listing buddy-table"
    row_data: dict[str, str] = {"row": "pk"}

    def get_index_url(self):
        return url(self.url_name, self.intake.pk)

    def get_index_results_url(self):
        return url(f"{self.url_name}_results", self.intake.pk)

    def get_table(self, object_list):
        table = super().get_table(object_list)
        table.row_data = self.row_data
        # Cells render outside a RequestContext: the row forms need the CSRF token given.
        table.cell_context = {"can_match": self.policy.allows(MATCH),
                              "next_url": self.current_list_url(),
                              "csrf_token": get_token(self.request), "labels": labels()}
        return table

    def order_queryset(self, queryset):
        """The column's order, then the id: pages never repeat or skip a row."""
        if not self.ordering:
            return queryset
        ordering = self.ordering if isinstance(self.ordering, (list, tuple)) else [self.ordering]
        return queryset.order_by(*ordering, "pk")

    def search_queryset(self, queryset):
        """The search of every coordinator list: each word in one person's name or email."""
        return search_people(queryset, self.search_query, self.search_prefixes)

    def get_filterset_kwargs(self):
        return {**super().get_filterset_kwargs(), "queryset": self.get_base_queryset()}

    def current_list_url(self) -> str:
        """This list with the current search, filters, sort and page (where actions return):
        the page URL even when the results-only view rendered the rows."""
        query = self.request.GET.copy()
        for internal in ("_w_filter_fragment", "export"):
            query.pop(internal, None)
        return f"{self.index_url}?{query.urlencode()}" if query else self.index_url

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next_url"] = self.current_list_url()
        return context

