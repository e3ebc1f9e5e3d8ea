"""Intakes (Wagtail's ModelViewSet) and the interest vocabulary (a snippet, so that
wagtail-localize and ``simple_translation`` offer to translate it).

Intakes and interests are scoped like everything else: a coordinator sees, edits and
creates them only for the programmes of their groups (``ProgrammeScopedPolicy``); the
programme choice in the form is limited the same way, to canonical copies.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from ..compat import register_permission_policy
from ..models import Intake, Interest
from ..models.programme import canonical_only
from ..permissions import programmes_for_user


class ProgrammeScopedPolicy(ModelPermissionPolicy):
    """Model permissions, and the instance must belong to a programme the user coordinates."""

    def _allowed(self, user, instance) -> bool:
        # Cached on the user object for the request: listing buttons ask once per row.
        if not hasattr(user, "_buddy_programme_ids"):
            user._buddy_programme_ids = set(programmes_for_user(user).values_list("pk", flat=True))
        return instance.programme_id in user._buddy_programme_ids

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and self._allowed(user, instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions) and self._allowed(user, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return self.model._default_manager.none()
        return self.model._default_manager.filter(programme__in=programmes_for_user(user))


intake_permission_policy = ProgrammeScopedPolicy(Intake)
register_permission_policy(Intake, intake_permission_policy)
interest_permission_policy = ProgrammeScopedPolicy(Interest)
register_permission_policy(Interest, interest_permission_policy)


class ProgrammeScopedForm(WagtailAdminModelForm):
    """A form with a ``programme`` field: only the user's programmes can be chosen, and a
    coordinator of one programme gets it filled in."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is not None and "programme" in self.fields:
            # A translated copy of a programme shares the canonical copy's intakes and
            # would never show one attached to itself.
            programmes = canonical_only(programmes_for_user(for_user))
            self.fields["programme"].queryset = programmes
            if self.instance.pk is None and "programme" not in self.initial:
                only = list(programmes.values_list("pk", flat=True)[:2])
                if len(only) == 1:  # a section's coordinator: nothing to choose
                    self.initial["programme"] = only[0]


class IntakeIndexView(generic.IndexView):
    def get_base_queryset(self):
        return (super().get_base_queryset().select_related("programme")
                .filter(programme__in=programmes_for_user(self.request.user)))


class ScopedObjectMixin:
    """Wagtail's object views check model permissions; add the programme scope."""

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if not programmes_for_user(self.request.user).filter(pk=obj.programme_id).exists():
            raise PermissionDenied
        return obj


def scoped(view_class: type) -> type:
    return type(f"Scoped{view_class.__name__}", (ScopedObjectMixin, view_class), {})


class ProgrammeScopedViewSet(ModelViewSet):
    """Intakes and interests: every view lists and looks up only the user's programmes."""

    index_view_class = IntakeIndexView
    edit_view_class = scoped(generic.EditView)
    delete_view_class = scoped(generic.DeleteView)
    copy_view_class = scoped(generic.CopyView)
    history_view_class = scoped(history.HistoryView)
    usage_view_class = scoped(usage.UsageView)


class IntakeViewSet(ProgrammeScopedViewSet):
    model = Intake
    icon = "date"
    menu_label = _("Intakes")
    add_to_admin_menu = False
    url_prefix = "buddy/intakes"
    name = "wagtail_buddy_intakes"
    permission_policy = intake_permission_policy  # Wagtail 7.4 does not read the registry
    edit_handler = ObjectList([
        FieldPanel("programme"),
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
        FieldPanel("signup_open"),
        FieldRowPanel([FieldPanel("max_locals"), FieldPanel("max_internationals")]),
        MultiFieldPanel([
            FieldRowPanel([FieldPanel("choosing_opens_at"), FieldPanel("choosing_closes_at")]),
            FieldRowPanel([FieldPanel("choices_per_day"), FieldPanel("choices_per_intake")]),
        ], heading=_("Buddies choose (when the programme works this way)")),
    ], base_form_class=ProgrammeScopedForm)
    list_display = ["name", "programme", "starts_on", "ends_on", "signup_open"]
    list_filter = ["signup_open"]
    search_fields = ["name"]


class InterestIndexView(snippet_views.IndexView):
    def get_base_queryset(self):
        return (super().get_base_queryset().select_related("programme")
                .filter(programme__in=programmes_for_user(self.request.user)))


class InterestViewSet(SnippetViewSet):
    """Interests are snippets: with ``WAGTAIL_I18N_ENABLED`` the listing has a locale
    filter and the translation apps add their Translate action. A translation only names
    the interest in its language (see ``Interest``)."""

    model = Interest
    icon = "tag"
    menu_label = _("Interests")
    add_to_admin_menu = False
    url_prefix = "buddy/interests"
    admin_url_namespace = "wagtail_buddy_interests"
    permission_policy = interest_permission_policy
    index_view_class = InterestIndexView
    edit_view_class = scoped(snippet_views.EditView)
    delete_view_class = scoped(snippet_views.DeleteView)
    copy_view_class = scoped(snippet_views.CopyView)
    history_view_class = scoped(snippet_views.HistoryView)
    usage_view_class = scoped(snippet_views.UsageView)
    inspect_view_class = scoped(snippet_views.InspectView)
    edit_handler = ObjectList([FieldPanel("programme"), FieldPanel("name"),
                               FieldPanel("active")], base_form_class=ProgrammeScopedForm)
    list_display = ["name", "programme", "active"]
    list_filter = ["active"]
    search_fields = ["name"]

    def register_chooser_viewset(self) -> None:
        """No snippet chooser: nothing picks an interest in the admin, and its unscoped
        routes would list every section's interests."""


intake_viewset = IntakeViewSet()
interest_viewset = InterestViewSet()
