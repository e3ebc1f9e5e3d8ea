"""Each programme's first weeks' checklist tasks: a snippet like the interests, so that
wagtail-localize and ``simple_translation`` offer to translate them, scoped the same way
(a coordinator sees and edits only their programmes' tasks)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from ..compat import register_permission_policy
from ..models import ChecklistTask
from ..permissions import programmes_for_user
from .intakes import ProgrammeScopedForm, ProgrammeScopedPolicy, scoped

task_permission_policy = ProgrammeScopedPolicy(ChecklistTask)
register_permission_policy(ChecklistTask, task_permission_policy)


class TaskIndexView(snippet_views.IndexView):
    def get_base_queryset(self):
        return (super().get_base_queryset().select_related("programme")
                .filter(programme__in=programmes_for_user(self.request.user)))


class ChecklistTaskViewSet(SnippetViewSet):
    """A programme's tasks; new programmes start with the defaults (``models.checklist``).
    A translation only names the task in its language; ticks count on the source task."""

    model = ChecklistTask
    icon = "list-ul"
    menu_label = _("Checklist tasks")
    add_to_admin_menu = False
    url_prefix = "buddy/checklist-tasks"
    admin_url_namespace = "wagtail_buddy_checklist_tasks"
    permission_policy = task_permission_policy
    index_view_class = TaskIndexView
    edit_view_class = scoped(snippet_views.EditView)
    delete_view_class = scoped(snippet_views.DeleteView)
    copy_view_class = scoped(snippet_views.CopyView)
    history_view_class = scoped(snippet_views.HistoryView)
    usage_view_class = scoped(snippet_views.UsageView)
    inspect_view_class = scoped(snippet_views.InspectView)
    edit_handler = ObjectList([FieldPanel("programme"), FieldPanel("name"),
                               FieldPanel("sort_order"), FieldPanel("active")],
                              base_form_class=ProgrammeScopedForm)
    list_display = ["name", "programme", "sort_order", "active"]
    list_filter = ["active"]
    search_fields = ["name"]
    ordering = ["programme", "sort_order", "pk"]

    def register_chooser_viewset(self) -> None:
        """No snippet chooser: nothing picks a task in the admin, and its unscoped routes
        would list every section's tasks."""


checklist_task_viewset = ChecklistTaskViewSet()
