"""Coming arrivals: the intake's international students arriving in the next 14 days,
when and where, and whether someone picks them up."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ...services import arrivals
from ..filters import ArrivalFilterSet
from .listing import BuddyListingView, TemplateColumn


class ArrivalsView(BuddyListingView):
    """One query for the rows whatever their number (arrival, cover and buddy joined)."""

    tab = "arrivals"
    url_name = "arrivals"
    page_title = _("Arrivals")
    results_template_name = "wagtail_buddy/admin/arrivals_results.html"
    filterset_class = ArrivalFilterSet
    default_ordering = "arrival_date"
    row_data = {"participant": "pk"}
    columns = [
        TemplateColumn("person", "wagtail_buddy/admin/cells/arrival_person.html",
                       label=_("International student"), sort_key="last_name"),
        TemplateColumn("arrival_date", "wagtail_buddy/admin/cells/arrival_when.html",
                       label=_("When"), sort_key="arrival_date"),
        TemplateColumn("place", "wagtail_buddy/admin/cells/arrival_where.html",
                       label=_("Where")),
        TemplateColumn("pickup", "wagtail_buddy/admin/cells/arrival_pickup.html",
                       label=_("Pick-up")),
    ]

    def get_base_queryset(self):
        return arrivals.coming([self.intake], timezone.localdate())

    def order_queryset(self, queryset):
        ordered = super().order_queryset(queryset)
        if self.ordering != self.default_ordering:
            return ordered
        return ordered.order_by("arrival_date", "arrival_time", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["days"] = arrivals.COMING_DAYS
        return context
