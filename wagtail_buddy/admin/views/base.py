"""Shared base of the coordinator workspace views: access, scoping, tabs.

Access: every view needs a Wagtail admin login (the ``register_admin_urls`` hook wraps
them), the coordinator level its method needs, and the object's programme among the user's
(else 404, so another section's ids reveal nothing); ``admin.access.ProgrammePolicy``
decides both.
"""

from __future__ import annotations

from functools import lru_cache

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.formats import localize
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ...conf import buddy_settings
from ...content_security import add_policy
from ...models import Intake, Interest, Language, Participant
from ...permissions import MANAGE, MATCH, VIEW
from ...services import matching_config, reasons
from ..access import ProgrammePolicy, policy_for
from ..labels import labels
from ..modeladmin import participant_url
from ..params import without_nul

NS = "wagtail_buddy_admin"


def url(name: str, *args) -> str:
    return reverse(f"{NS}:{name}", args=args)


def next_url(request, fallback: str) -> str:
    """Wagtail's valid ``next`` (same host) if it is a path on this site, else ``fallback``.

    Only absolute paths: ``redirect("abc")`` would try to reverse a URL named "abc" (500).
    """
    target = get_valid_next_url_from_request(request)
    return target if target.startswith("/") else fallback


def profile_prefetch(prefix: str = "") -> list[Prefetch]:
    """Languages and interests of people (or of ``prefix`` relations) in 2 queries each."""
    return [
        Prefetch(f"{prefix}languages", queryset=Language.objects.only("code")),
        Prefetch(f"{prefix}interests", queryset=Interest.objects.only("pk", "name", "slug")),
    ]


def breakdown_rows(breakdown: dict | None, weights: dict | None = None, mentee=None,
                   mentor=None, evidence: dict | None = None) -> list[dict]:
    """Per-criterion bars with points out of the weight and the evidence in words."""
    return reasons.explain(breakdown, weights, evidence=evidence, mentee=mentee, mentor=mentor)


def scored(score: float, breakdown: dict | None, weights: dict | None, mentee=None,
           mentor=None, evidence: dict | None = None) -> dict:
    """What ``_score.html`` shows: the score on its scale and the explained breakdown.

    Each row's "points / top" is formatted here, as ``floatformat:2`` would: a proposals
    page has 400 of them, and the template's blocktrans and filters were a fifth of it."""
    rows = breakdown_rows(breakdown, weights, mentee, mentor, evidence)
    language = get_language()
    points_of = gettext("%(points)s / %(top)s")
    for row in rows:
        row["points_text"] = points_of % {
            "points": two_places(row["points"], language),
            "top": two_places(row["max"], language)}
    on_scale = reasons.scale(score, weights)
    score_text = two_places(float(score), language)
    best_text = two_places(float(on_scale["best"]), language)
    return {"score": score, **on_scale, "rows": rows, "score_text": score_text,
            "best_text": best_text,
            "percent_text": percent_sentence(on_scale["percent"], language),
            "points_sentence": points_sentence(score_text, best_text, language)}


# The two sentences of ``_score.html`` as its ``{% blocktrans %}`` made them: the translation
# as is, the numbers (formatted here, never user data) escaped.
@lru_cache(maxsize=256)
def percent_sentence(percent: int, language: str | None) -> SafeString:
    return mark_safe(gettext("%(percent)s%% of the best possible")  # noqa: S308
                     % {"percent": conditional_escape(localize(percent))})


@lru_cache(maxsize=4096)
def points_sentence(score_text: str, best_text: str, language: str | None) -> SafeString:
    return mark_safe(  # noqa: S308
        gettext("%(score)s of %(best)s points under the current weights")
        % {"score": conditional_escape(score_text), "best": conditional_escape(best_text)})


@lru_cache(maxsize=4096)
def two_places(value: float, language: str | None) -> str:
    """``floatformat(value, 2)`` in ``language`` (the active one, passed as the key): a page
    formats 800 of these, most of them the same few weights and points."""
    return floatformat(value, 2)


class BuddyAccessMixin:
    """Access, programme scoping, breadcrumbs and the intake tabs of every buddy screen.

    ``permission`` (GET) and ``post_permission`` (POST) are levels of ``ProgrammePolicy``;
    querysets come from ``self.policy`` so nothing outside the user's programmes is reached.
    """

    permission = VIEW  # the coordinator level (permissions.LEVELS) a GET needs
    post_permission = MATCH
    header_icon = "group"
    tab = ""
    intake: Intake | None = None

    def dispatch(self, request, *args, **kwargs):
        self.policy.require(self.post_permission if request.method == "POST"
                            else self.permission)
        without_nul(request)
        self.load_objects()
        response = super().dispatch(request, *args, **kwargs)
        add_policy(request, response, buddy_settings.ADMIN_CSP)
        return response

    @cached_property
    def policy(self) -> ProgrammePolicy:
        return policy_for(self.request.user)

    def load_objects(self) -> None:
        """Look up the URL's objects. Runs after the permission check: without the
        permission it is 403 whatever the id, so ids reveal nothing."""

    def intakes(self):
        return self.policy.intakes()

    def participants(self):
        return self.policy.participants()

    def matches(self):
        return self.policy.matches()

    def get_breadcrumbs_items(self):
        items = [*self.breadcrumbs_items, {"url": url("overview"), "label": _("Buddy System")}]
        if self.intake is not None:
            items.append({"url": url("matching", self.intake.pk),
                          "label": f"{self.intake.programme.display_name} · {self.intake.name}"})
        items.append({"url": "", "label": self.get_page_title()})
        return items

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["intake"] = self.intake
        context["tab"] = self.tab
        context["can_match"] = self.policy.allows(MATCH)
        context["can_manage_settings"] = self.policy.allows(MANAGE)
        context["labels"] = labels()
        if self.intake is not None:
            pk = self.intake.pk
            context["tabs"] = [
                ("matching", _("Matching"), url("matching", pk)),
                ("proposals", _("Proposals"), url("proposals", pk)),
                ("waiting", _("Waiting list"), url("waiting", pk)),
                ("introductions", _("Introductions"), url("introductions", pk)),
                ("arrivals", _("Arrivals"), url("arrivals", pk)),
                ("stats", _("Statistics"), url("stats", pk)),
                ("feedback", _("Feedback"), url("feedback", pk)),
                ("checklist", _("First weeks"), url("checklist", pk)),
                ("participants", _("Participants"), participant_url(intake=pk)),
            ]
            context["other_intakes"] = [i for i in self.intakes() if i.pk != pk]
        return context


class BuddyAdminView(BuddyAccessMixin, WagtailAdminTemplateMixin, TemplateView):
    """A buddy screen that is not a list: a form, a detail, a summary."""


class IntakeMixin:
    """The screens under ``intake/<intake_id>/``: ``self.intake`` resolved once for every
    method, among the user's programmes (404 otherwise), after the permission check.

    Put it before ``BuddyAdminView`` in the bases.
    """

    intake: Intake

    def load_objects(self) -> None:
        super().load_objects()
        self.intake = get_object_or_404(self.intakes(), pk=self.kwargs["intake_id"])


def suggestion_context(intake: Intake, pairs, mentee=None) -> dict:
    """Suggestions with their mentors and free places loaded (1 + 2 queries) and
    breakdown bars."""
    ids = [int(p.mentor) for p in pairs]
    mentors = {m.pk: m for m in Participant.objects.filter(pk__in=ids).free_places()
               .prefetch_related(*profile_prefetch())}
    weights = matching_config.programme_config(intake.programme)["weights"]
    return {"suggestions": [
        {"pair": p, "mentor": mentors[int(p.mentor)],
         "spare": max(0, mentors[int(p.mentor)].free),
         "scored": scored(p.score, p.breakdown, weights, mentee, mentors[int(p.mentor)])}
        for p in pairs if int(p.mentor) in mentors]}
