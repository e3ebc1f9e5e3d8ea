"""The participant list's filters (Django admin ``SimpleListFilter``s, no modeladmin).

Every choice list is computed from the request user's own participants, so a coordinator
never sees another section's universities, nationalities or languages.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin import SimpleListFilter
from django.db.models import Q
from django.db.models.functions import TruncMonth
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from ..models import Language, Participant
from ..services import stats
from .access import policy_for
from .params import parse_id, parse_month


def invalid_filter(request, list_filter, queryset):
    """A malformed filter value (typed into the URL) matches nobody, with a message."""
    messages.warning(request, _("The filter “%(name)s” has an invalid value: no participant "
                                "matches it.") % {"name": list_filter.title})
    return queryset.none()


def _user_participants(request):
    return policy_for(request.user).participants()


class IntakeFilter(SimpleListFilter):
    title = _("intake")
    parameter_name = "intake"

    def lookups(self, request, model_admin):
        return [(str(i.pk), f"{i.programme.display_name} · {i.name}")
                for i in policy_for(request.user).intakes()]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        intake_id = parse_id(self.value())
        if intake_id is None:
            return invalid_filter(request, self, queryset)
        return queryset.filter(intake_id=intake_id)


class NationalityFilter(SimpleListFilter):
    """Countries by name (a plain field filter would list codes)."""

    title = _("nationality")
    parameter_name = "nationality"

    def lookups(self, request, model_admin):
        codes = (_user_participants(request).order_by("nationality").values_list(
            "nationality", flat=True).distinct())
        return sorted(((c, countries.name(c) or c) for c in codes if c), key=lambda x: x[1])

    def queryset(self, request, queryset):
        return queryset.filter(nationality=self.value()) if self.value() else queryset


class LanguageFilter(SimpleListFilter):
    """Languages the user's participants speak (a related-field filter needs a Django admin
    site, which wagtail-modeladmin does not have)."""

    title = _("language")
    parameter_name = "language"

    def lookups(self, request, model_admin):
        codes = (Participant.languages.through.objects.filter(
            participant__in=_user_participants(request)).order_by("language_id")
            .values_list("language_id", flat=True).distinct())
        return sorted(((c, str(Language(code=c))) for c in codes), key=lambda x: x[1])

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(pk__in=Participant.languages.through.objects.filter(
            language_id=self.value()).values("participant_id"))


class ArrivalMonthFilter(SimpleListFilter):
    title = _("arrival month")
    parameter_name = "arrival"

    def lookups(self, request, model_admin):
        months = (_user_participants(request).filter(arrival_date__isnull=False)
                  .annotate(month=TruncMonth("arrival_date")).order_by("month")
                  .values_list("month", flat=True).distinct())
        return [(m.strftime("%Y-%m"), formats.date_format(m, "YEAR_MONTH_FORMAT"))
                for m in months if m]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        month = parse_month(self.value())
        if month is None:
            return invalid_filter(request, self, queryset)
        return queryset.filter(arrival_date__year=month[0], arrival_date__month=month[1])


class ChoiceFilter(SimpleListFilter):
    """A filter declared as ``options``: value -> (label, the narrowing of the queryset)."""

    options: dict = {}

    def lookups(self, request, model_admin):
        return [(value, label) for value, (label, _narrow) in self.options.items()]

    def queryset(self, request, queryset):
        choice = self.options.get(self.value())
        return choice[1](queryset) if choice else queryset


NO_ANSWERS = Q(extra_answers={}) | Q(extra_answers__isnull=True)


class ExtraAnswersFilter(ChoiceFilter):
    title = _("answers to extra questions")
    parameter_name = "extra"
    options = {"yes": (_("Has answers"), lambda qs: qs.exclude(NO_ANSWERS)),
               "no": (_("No answers"), lambda qs: qs.filter(NO_ANSWERS))}


class CheckInFilter(ChoiceFilter):
    title = _("check-in")
    parameter_name = "checkin"
    options = {"follow": (_("Not met yet, or not answered"), lambda qs: qs.filter(
        pk__in=stats.checkins_to_follow().values("participant_id")))}


class FreePlacesFilter(ChoiceFilter):
    title = _("free places")
    parameter_name = "free"
    options = {"yes": (_("Buddies with a free place"), lambda qs: qs.filter(
        pk__in=Participant.objects.with_free_places().values("pk")))}
