"""Wagtail wiring only: the "Buddy System" menu, admin URLs, participant lists, home panel,
audit-log actions. The views live in ``wagtail_buddy.admin``."""

from django.contrib.auth.models import Permission
from django.urls import include, path, reverse_lazy
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from .admin import modeladmin
from .admin import urls as admin_urls
from .admin.checklist import checklist_task_viewset
from .admin.intakes import intake_viewset, interest_viewset
from .admin.modeladmin import participant_url
from .admin.panels import BuddyHomePanel
from .models import BuddyLogEntry, CheckIn, Intake, Match, MatchingRun, Participant
from .permissions import LEVEL_PERMISSION, can_manage_settings, can_match, can_view_participants
from .services import arrivals

participant_admin = modeladmin.register()


@hooks.register("register_admin_viewset")
def register_vocabulary_viewsets():
    return [intake_viewset, interest_viewset,  # interests and tasks: snippets (translatable)
            checklist_task_viewset]


@hooks.register("register_permissions")
def register_buddy_permissions():
    """The three coordinator levels (``permissions.LEVELS``) in the group editor."""
    codenames = [name.split(".", 1)[1] for name in LEVEL_PERMISSION.values()]
    return Permission.objects.filter(content_type__app_label="wagtail_buddy",
                                     codename__in=codenames)


@hooks.register("register_admin_urls")
def register_buddy_urls():
    return [path("buddy/", include((admin_urls, "wagtail_buddy_admin")))]


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, check=can_view_participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.check = check

    def is_shown(self, request):
        return self.check(request.user)


class BuddySubmenu(SubmenuMenuItem):
    def is_shown(self, request):
        return can_view_participants(request.user) and super().is_shown(request)


def _go(section: str) -> str:
    return reverse_lazy("wagtail_buddy_admin:go", args=[section])


buddy_menu = Menu(items=[
    PermissionMenuItem(_("Overview"), reverse_lazy("wagtail_buddy_admin:overview"),
                       icon_name="home", order=100),
    PermissionMenuItem(_("Participants"), lazy(participant_url, str)(), icon_name="group",
                       order=200),
    PermissionMenuItem(_("Matching"), _go("matching"), icon_name="cogs", order=300,
                       check=can_match),
    PermissionMenuItem(_("Proposals"), _go("proposals"), icon_name="tick-inverse", order=400),
    PermissionMenuItem(_("Waiting list"), _go("waiting"), icon_name="time", order=500),
    PermissionMenuItem(_("Introductions"), _go("introductions"), icon_name="mail", order=600),
    PermissionMenuItem(_("Arrivals"), _go("arrivals"), icon_name="site", order=650),
    PermissionMenuItem(_("Statistics"), _go("stats"), icon_name="table", order=700),
    PermissionMenuItem(_("Intakes"), reverse_lazy("wagtail_buddy_intakes:index"),
                       icon_name="date", order=800, check=can_manage_settings),
    PermissionMenuItem(_("Interests"), reverse_lazy("wagtail_buddy_interests:list"),
                       icon_name="tag", order=900, check=can_manage_settings),
    PermissionMenuItem(_("Checklist tasks"),
                       reverse_lazy("wagtail_buddy_checklist_tasks:list"),
                       icon_name="list-ul", order=950, check=can_manage_settings),
])


@hooks.register("register_admin_menu_item")
def register_buddy_menu():
    return BuddySubmenu(_("Buddy System"), buddy_menu, icon_name="group", order=250,
                        name="buddy-system")


@hooks.register("construct_homepage_panels")
def add_buddy_panel(request, panels):
    if BuddyHomePanel.is_shown(request.user):
        panels.append(BuddyHomePanel(request.user))


@hooks.register("register_log_actions")
def register_buddy_log_actions(actions):
    # Personal data's log: each entry visible only to its programme's coordinators.
    for model in (Participant, Match, MatchingRun, Intake, CheckIn):
        actions.register_model(model, BuddyLogEntry)
    for action, label, message in [
        ("wagtail_buddy.match_confirm", _("Confirm pair"), _("Pair confirmed")),
        ("wagtail_buddy.match_reject", _("Reject pair"), _("Pair rejected")),
        ("wagtail_buddy.match_lock", _("Lock pair"), _("Pair locked")),
        ("wagtail_buddy.match_unlock", _("Unlock pair"), _("Pair unlocked")),
        ("wagtail_buddy.match_swap", _("Swap buddy"), _("Buddy swapped")),
        ("wagtail_buddy.match_manual", _("Pair manually"), _("Paired manually")),
        ("wagtail_buddy.match_note", _("Edit introduction note"), _("Introduction note edited")),
        ("wagtail_buddy.match_introduce", _("Introduce pair"), _("Introduction emails queued")),
        ("wagtail_buddy.match_cancel", _("Cancel match"), _("Match cancelled")),
        ("wagtail_buddy.match_ask", _("Ask both students"),
         _("Both students asked to accept the pair")),
        ("wagtail_buddy.match_accept", _("Accept pair"), _("Pair accepted by a student")),
        ("wagtail_buddy.match_decline", _("Decline pair"), _("Pair declined by a student")),
        ("wagtail_buddy.match_expire", _("Proposal expired"),
         _("No answer before the deadline")),
        ("wagtail_buddy.match_remind", _("Remind to answer"),
         _("Students reminded to answer")),
        ("wagtail_buddy.feedback_sent", _("Ask for feedback"),
         _("End-of-semester feedback email queued")),
        ("wagtail_buddy.feedback_answered", _("Answer feedback"),
         _("End-of-semester feedback answered")),
        ("wagtail_buddy.feedback_export", _("Export feedback"),
         _("Feedback answers exported")),
        ("wagtail_buddy.certificate", _("Buddy certificate"),
         _("Buddy certificate downloaded")),
        ("wagtail_buddy.claim", _("Choose a student"), _("Student chosen by the buddy")),
        ("wagtail_buddy.claim_undo", _("Undo a buddy's choice"),
         _("Buddy's choice undone by a coordinator")),
        ("wagtail_buddy.participant_confirm_email", _("Confirm email manually"),
         _("Email confirmed by a coordinator")),
        ("wagtail_buddy.participant_erase", _("Erase participant"),
         _("Participant and their data erased")),
        ("wagtail_buddy.participant_withdraw", _("Withdraw participant"),
         _("Withdrawn by a coordinator")),
        ("wagtail_buddy.participant_move", _("Move to another intake"),
         _("Moved to another intake")),
        ("wagtail_buddy.participant_ask_one_more", _("Ask for one more student"),
         _("Asked to take one more student")),
        ("wagtail_buddy.participant_still_waiting", _("Tell a waiting student"),
         _("Told they are on the waiting list")),
        ("wagtail_buddy.participant_join_again", _("Invite to join again"),
         _("Invited to join the new intake")),
        ("wagtail_buddy.participant_rejoin", _("Join again"),
         _("Joined again from a past intake")),
        ("wagtail_buddy.participant_import", _("Import from a spreadsheet"),
         _("Imported from a spreadsheet and invited")),
        ("wagtail_buddy.participant_import_update", _("Update from a spreadsheet"),
         _("Updated from a spreadsheet")),
        ("wagtail_buddy.participant_accept_invitation", _("Accept invitation"),
         _("Invitation accepted by the student")),
        ("wagtail_buddy.run_started", _("Start matching run"), _("Matching run started")),
        ("wagtail_buddy.checklist_tick", _("Tick a checklist task"),
         _("Checklist task marked done by a student")),
        ("wagtail_buddy.checklist_untick", _("Untick a checklist task"),
         _("Checklist task marked not done by a student")),
        ("wagtail_buddy.matching_settings", _("Change matching settings"),
         _("Matching settings changed")),
    ]:
        actions.register_action(action, label, message)


@hooks.register("register_log_actions")
def register_arrival_log_actions(actions):
    for action, label, message in arrivals.AUDIT_ACTIONS:
        actions.register_action(action, label, message)
