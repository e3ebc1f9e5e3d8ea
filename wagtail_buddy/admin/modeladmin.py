"""The participant lists, served by wagtail-modeladmin.

ALL wagtail-modeladmin usage lives in this module: the package is in maintenance mode
upstream, and keeping it here lets the lists move to Wagtail's own ``ModelViewSet`` later
without touching anything else. Coordinators see only the participants of the programmes
they are allowed on (``permissions.programmes_for_user``); nobody creates, edits or
deletes participants here (students do that through their private link).
"""

from __future__ import annotations

from types import MethodType

from django.contrib import messages
from django.contrib.admin import display
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.templatetags.admin_list import result_headers
from django.contrib.admin.utils import quote, unquote
from django.contrib.auth.models import Permission
from django.core.exceptions import EmptyResultSet
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import re_path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from wagtail_modeladmin.helpers import ButtonHelper, PermissionHelper
from wagtail_modeladmin.options import ModelAdmin
from wagtail_modeladmin.views import IndexView, InspectView

from ..models import BuddyLogEntry, Language, Match, Participant
from ..permissions import VIEW
from ..services import exports, rejoin
from .access import policy_for
from .forms import ParticipantBulkForm
from .links import reverse_pk
from .paging import DeferredJoinPaginator
from .params import parse_id, without_nul
from .participant_filters import (
    ArrivalMonthFilter,
    CheckInFilter,
    ExtraAnswersFilter,
    FreePlacesFilter,
    IntakeFilter,
    LanguageFilter,
    NationalityFilter,
)
from .participant_rows import render_rows
from .search import search_people


class ParticipantPermissionHelper(PermissionHelper):
    """Read-only lists: view permission, scoped per programme by the queryset and here."""

    def user_can_list(self, user):
        return policy_for(user).allows(VIEW)

    def user_can_inspect_obj(self, user, obj):
        # Called once per row by the list's buttons: the policy keeps the programme ids for
        # the request, so a page of 50 rows costs one query, not 50.
        return policy_for(user).may_see(obj)

    def user_can_create(self, user):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False


class ParticipantButtonHelper(ButtonHelper):
    """Row buttons styled like those of the other buddy lists."""

    default_button_classnames = ["button", "button-small", "button-secondary"]


class ParticipantIndexView(IndexView):
    """The list, plus the CSV/XLSX export of the current filter through ``services.exports``."""

    paginator_class = DeferredJoinPaginator

    def dispatch(self, request, *args, **kwargs):
        without_nul(request)
        try:
            return super().dispatch(request, *args, **kwargs)
        except IncorrectLookupParameters:  # a malformed ordering or lookup in the URL
            messages.error(request, _("The list could not be filtered that way; showing all "
                                      "participants."))
            return HttpResponseRedirect(participant_url())

    def get_queryset(self, request=None):
        """Built once per request: modeladmin asks for it twice (dispatch, then context),
        and each time would run every filter's lookups again."""
        if getattr(self, "_queryset", None) is None:
            self._queryset = self.counted_once(super().get_queryset(request))
        return self._queryset

    def get_base_queryset(self, request=None):
        return self.counted_once(super().get_base_queryset(request))

    def counted_once(self, queryset):
        """``queryset`` whose ``count()`` runs once per request and SQL: modeladmin counts
        the list three times (all, the filtered ones, the paginator), the same rows when
        nothing is filtered."""
        try:
            key = str(queryset.select_related(None).order_by().query)
        except EmptyResultSet:  # nobody to see (no programme): count() asks nothing
            return queryset
        counts = self.__dict__.setdefault("_counts", {})
        count = queryset.count

        def count_once(_queryset) -> int:
            if key not in counts:
                counts[key] = count()
            return counts[key]

        # A bound method: Django's paginator calls ``count()`` only if it looks like one
        # (a plain function would make it count with ``len()``, reading every row).
        queryset.count = MethodType(count_once, queryset)
        return queryset

    def as_spreadsheet(self, queryset, spreadsheet_format):
        """CSV streams row by row (the first bytes leave at once, memory stays flat);
        XLSX is a zip, written whole."""
        fmt = "xlsx" if spreadsheet_format == "xlsx" else "csv"
        queryset = queryset.order_by("pk")
        if fmt == "csv":
            response = StreamingHttpResponse(exports.stream_csv(queryset),
                                             content_type=exports.CONTENT_TYPES["csv"])
        else:
            content, content_type = exports.export(queryset, fmt)
            response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="participants.{fmt}"'
        return response

    def get_search_results(self, request, queryset, search_term):
        """The same search as every other list: each word in one person's name or email."""
        return search_people(queryset, search_term)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["bulk_form"] = ParticipantBulkForm(user=self.request.user)
        context["bulk_url"] = reverse("wagtail_buddy_admin:participants_bulk")
        context["next_url"] = self.request.get_full_path()
        context["active_filters"] = sum(
            1 for spec in self.filter_specs if getattr(spec, "used_parameters", None))
        context["object_list"] = objects = list(context["object_list"])
        if objects:
            context["result_headers"] = list(result_headers(self))
            buttons = self.get_buttons_for_obj(objects[0])
            context["rows"] = render_rows(
                self.model_admin, objects, self.list_display,
                lambda obj: self.url_helper.get_action_url("inspect", quote(obj.pk)),
                buttons[0] if buttons else None)
        return context


class ParticipantInspectView(InspectView):
    """Full profile, matches and audit history of one participant."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        p = self.instance
        context["participant"] = p
        context["languages"] = list(p.languages.all())
        context["interests"] = list(p.interests.all())
        context["matches"] = list(
            Match.objects.filter(Q(mentee=p) | Q(mentor=p)).select_related("mentee", "mentor")
            .order_by("-created_at"))
        context["history"] = list(
            BuddyLogEntry.objects.filter(
                content_type__app_label="wagtail_buddy", content_type__model="participant",
                object_id=str(p.pk)).select_related("user").order_by("-timestamp")[:100])
        context["extra_answers"] = sorted((p.extra_answers or {}).items())
        context["intakes_taken_part"] = rejoin.intakes_taken_part(p)
        context["workspace_url"] = reverse("wagtail_buddy_admin:pair", args=[p.pk]) \
            if p.role == Participant.Role.INTERNATIONAL else ""
        return context


class ParticipantAdmin(ModelAdmin):
    model = Participant
    menu_label = _("Participants")
    menu_icon = "group"
    add_to_admin_menu = False
    inspect_view_enabled = True
    history_view_enabled = False  # the inspect view shows the history, scoped per programme
    permission_helper_class = ParticipantPermissionHelper
    button_helper_class = ParticipantButtonHelper
    index_view_class = ParticipantIndexView
    inspect_view_class = ParticipantInspectView
    index_template_name = "wagtail_buddy/admin/participants/index.html"
    inspect_template_name = "wagtail_buddy/admin/participants/inspect.html"
    list_display = ("select_box", "full_name", "role", "status", "buddy", "waiting_since",
                    "nationality_name", "language_codes", "university", "arrival_date", "intake",
                    "signed_up")
    list_filter = ("role", "status", IntakeFilter, "university", NationalityFilter,
                   LanguageFilter, ArrivalMonthFilter, ExtraAnswersFilter, CheckInFilter,
                   FreePlacesFilter)
    search_fields = ("first_name", "last_name", "email")
    list_select_related = ("intake",)
    list_per_page = 50
    list_export = ("id",)  # shows the export buttons; the columns come from services.exports
    export_filename = "participants"

    def get_permissions_for_registration(self):
        """None: the buddy permissions reach the group editor through the explicit
        ``register_permissions`` hook in ``wagtail_hooks``, not as a side effect of this list."""
        return Permission.objects.none()

    def get_admin_urls_for_registration(self):
        """Only the list and the profile: nobody creates, edits or deletes participants here,
        so those routes do not exist (they looked the id up before any permission check)."""
        return tuple(
            re_path(self.url_helper.get_action_url_pattern(action), view,
                    name=self.url_helper.get_action_url_name(action))
            for action, view in (("index", self.index_view), ("inspect", self.inspect_view)))

    def inspect_view(self, request, instance_pk):
        """Permission first, then the id checked and looked up among the user's participants:
        the answer (403 / 404) never tells whether another programme's id exists."""
        policy_for(request.user).require(VIEW)
        pk = parse_id(unquote(instance_pk))
        if pk is None or not self.get_queryset(request).filter(pk=pk).exists():
            raise Http404
        return super().inspect_view(request, str(pk))

    def get_list_display(self, request):
        """Without the intake column when the list shows one intake (room for the rest)."""
        if request.GET.get("intake"):
            return tuple(name for name in self.list_display if name != "intake")
        return self.list_display

    def get_queryset(self, request):
        """The user's participants; what each row shows of its matches is prefetched for
        the page's rows only. (An annotated subquery for "waiting since" ran for every row
        an OFFSET skipped: 10,000 index probes on page 200.)"""
        active = Match.objects.filter(status__in=Match.ACTIVE)
        ended = Match.objects.filter(ended_at__isnull=False).only("pk", "mentee_id", "ended_at")
        return (
            policy_for(request.user).participants()
            .prefetch_related(
                Prefetch("matches_as_mentee", queryset=ended, to_attr="ended_as_mentee"),
                Prefetch("languages", queryset=Language.objects.only("code")),
                Prefetch("matches_as_mentee", queryset=active.select_related("mentor"),
                         to_attr="active_as_mentee"),
                Prefetch("matches_as_mentor", queryset=active.select_related("mentee"),
                         to_attr="active_as_mentor"),
            )
        )

    def get_extra_class_names_for_field_col(self, obj, field_name):
        return ["buddy-select-col"] if field_name == "select_box" else []

    @staticmethod
    @display(description="")
    def select_box(obj):
        return format_html(
            '<input type="checkbox" name="ids" value="{}" form="buddy-bulk" '
            'aria-label="{}" class="buddy-select">', obj.pk, _("Select"))

    @staticmethod
    @display(description=_("name"), ordering="last_name")
    def full_name(obj):
        return f"{obj.first_name} {obj.last_name}"

    @staticmethod
    @display(description=_("buddy"))
    def buddy(obj):
        """The other person of each active pair (a buddy may have several students)."""
        names = [f"{m.mentor.first_name} {m.mentor.last_name}"
                 for m in getattr(obj, "active_as_mentee", [])]
        names += [f"{m.mentee.first_name} {m.mentee.last_name}"
                  for m in getattr(obj, "active_as_mentor", [])]
        return ", ".join(names) or "–"

    @staticmethod
    @display(description=_("waiting since"))
    def waiting_since(obj):
        """When a waiting student started waiting: email confirmed, or last pair ended."""
        if obj.status != Participant.Status.WAITING or not obj.confirmed_at:
            return "–"
        last_ended = max((m.ended_at for m in getattr(obj, "ended_as_mentee", ())), default=None)
        since = max(filter(None, [obj.confirmed_at, last_ended]))
        return formats.date_format(timezone.localtime(since), "DATE_FORMAT")

    @staticmethod
    @display(description=_("signed up"), ordering="created_at")
    def signed_up(obj):
        return formats.date_format(timezone.localtime(obj.created_at), "DATE_FORMAT")

    @staticmethod
    @display(description=_("nationality"))
    def nationality_name(obj):
        return obj.nationality.name

    @staticmethod
    @display(description=_("languages"))
    def language_codes(obj):
        return ", ".join(sorted(lang.code for lang in obj.languages.all()))



def participant_url(pk: int | None = None, **query) -> str:
    """The participant list (``query`` as its filters), or one participant's profile.

    The one way the rest of the package and the tests reach these screens: no modeladmin
    URL name or helper is used outside this module.
    """
    if pk is not None:
        return reverse_pk("wagtail_buddy_participant_modeladmin_inspect", pk)
    url = reverse("wagtail_buddy_participant_modeladmin_index")
    return f"{url}?{urlencode(query)}" if query else url


def register() -> ParticipantAdmin:
    """Register the list's URLs with Wagtail (permissions: ``register_permissions`` hook)."""
    participant_admin = ParticipantAdmin()
    participant_admin.register_with_wagtail()
    return participant_admin
