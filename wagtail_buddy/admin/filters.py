"""The filters of the coordinator lists, as Wagtail filter sets (django-filter).

A list's default view (proposals still to review, introductions still to send) is the
filter's ``initial`` value: Wagtail then shows no "active filter" for it, and a value typed
into the URL that is not a choice is ignored (the form is invalid, the list unfiltered).
"""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.widgets import BooleanRadioSelect

from ..models import Match, MatchingRun, Participant
from ..services import checklist as checklist_service
from ..services import stats as stats_service

ALL = "all"
NOT_ASKED = "not_asked"


class DefaultedFilterSet(WagtailFilterSet):
    """A filter set whose ``initial`` values apply when the URL does not name the filter."""

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = data.copy()
            for name, filter_ in self.base_filters.items():
                initial = filter_.extra.get("initial")
                if initial is not None and name not in data:
                    data[name] = initial
        super().__init__(data, *args, **kwargs)


class ProposalFilterSet(DefaultedFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), method="filter_status", empty_label=None, initial="proposed",
        choices=[*Match.Status.choices, (ALL, _("All"))], widget=forms.RadioSelect)

    locked = django_filters.BooleanFilter(label=_("Locked"), widget=BooleanRadioSelect)

    # "Both accept" mode: where the students' answers stand (see services.answers).
    answers = django_filters.ChoiceFilter(
        label=_("Students' answers"), method="filter_answers", widget=forms.RadioSelect,
        choices=[(NOT_ASKED, _("Not asked yet")),
                 (Match.Answers.WAITING, _("Waiting for an answer")),
                 (Match.Answers.DECLINED, _("Declined")), (Match.Answers.EXPIRED, _("Expired"))])

    # Students a run left unmatched, or whose proposal the other student declined or let
    # expire: the engine pairs them first, and the list shows them first by default.
    left_over = django_filters.BooleanFilter(
        label=_("Left over last time"), method="filter_left_over", widget=BooleanRadioSelect)

    class Meta:
        model = Match
        fields = ["status", "locked", "answers", "left_over"]

    def filter_left_over(self, queryset, name, value):
        return queryset.filter(mentee__left_over_at__isnull=not value)

    def filter_status(self, queryset, name, value):
        return queryset if value == ALL else queryset.filter(status=value)

    def filter_answers(self, queryset, name, value):
        return queryset.filter(answers="" if value == NOT_ASKED else value)


class WaitingFilterSet(WagtailFilterSet):
    blocked = django_filters.BooleanFilter(
        label=_("No buddy fits them"), method="filter_blocked", widget=BooleanRadioSelect)

    class Meta:
        model = Participant
        fields = ["blocked"]

    def filter_blocked(self, queryset, name, value):
        intake_ids = queryset.order_by().values_list("intake_id", flat=True).distinct()
        blocked = stats_service.blocked_students(intake_ids).values("pk")
        return queryset.filter(pk__in=blocked) if value else queryset.exclude(pk__in=blocked)


class IntroductionFilterSet(DefaultedFilterSet):
    SHOW = [("pending", _("Not introduced yet")), ("sent", _("Introduced")),
            (ALL, _("All confirmed"))]
    show = django_filters.ChoiceFilter(
        label=_("Introduction"), method="filter_show", empty_label=None, initial="pending",
        choices=SHOW, widget=forms.RadioSelect)

    class Meta:
        model = Match
        fields = ["show"]

    def filter_show(self, queryset, name, value):
        if value == ALL:
            return queryset
        return queryset.filter(introduced_at__isnull=value == "pending")


class RunFilterSet(WagtailFilterSet):
    class Meta:
        model = MatchingRun
        fields = ["status"]


class ChecklistFilterSet(WagtailFilterSet):
    """How far introduced pairs are on their checklist (``services.checklist``)."""

    progress = django_filters.ChoiceFilter(
        label=_("Checklist"), method="filter_progress", widget=forms.RadioSelect,
        choices=[("none", _("Nothing done")), ("some", _("Partly done")),
                 ("all", _("Everything done")),
                 ("idle", _("Nothing done three weeks after the introduction"))])

    class Meta:
        model = Match
        fields = ["progress"]

    def filter_progress(self, queryset, name, value):
        return checklist_service.filter_progress(queryset, value)
