"""Who coordinates a programme: its coordinator groups, and a group with a level's permissions.

The groups decide who lists, exports and erases the programme's participants, so they are
access, not content, and are not left to page editing rights. Only a user who may manage
this programme's buddy settings (``permissions.may_change_access``), or a superuser, gets
the field in the page editor (``admin.page_form.ProgrammePageForm``), and their change is
written at once (``set_coordinator_groups``), like Wagtail's page privacy, instead of
travelling in a revision. Publishing, reverting or scheduling any revision therefore keeps
the groups as they are (``BuddyProgrammePage.with_content_json``): a moderator who publishes
an editor's draft can neither hand the participants to another group nor remove the
rightful coordinators.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from wagtail.models import GroupCollectionPermission, GroupPagePermission

from ..models import BuddyProgrammePage
from ..permissions import LEVELS
from ..schema import table_exists

APP_LABEL = "wagtail_buddy"


def level_permissions(level: str) -> list[Permission]:
    """The Permission rows of ``level`` (view / match / manage); all must exist."""
    wanted = [name.split(".", 1) for name in LEVELS[level]]
    query = Q(pk__in=[])
    for app_label, codename in wanted:
        query |= Q(content_type__app_label=app_label, codename=codename)
    found = list(Permission.objects.filter(query).select_related("content_type"))
    if len(found) != len(wanted):
        have = {f"{p.content_type.app_label}.{p.codename}" for p in found}
        missing = sorted(set(LEVELS[level]) - have)
        raise LookupError(f"permissions missing (run migrate first): {', '.join(missing)}")
    return found


@transaction.atomic
def setup_coordinator_group(programme: BuddyProgrammePage, name: str | None = None,
                            level: str = "manage") -> tuple[Group, bool]:
    """Create (or bring up to date) the group that coordinates ``programme`` and every
    translated copy of it; returns (group, created). Idempotent."""
    group, created = Group.objects.get_or_create(
        name=name or f"{programme.canonical.display_name} coordinators")
    group.permissions.add(*level_permissions(level))
    for copy in BuddyProgrammePage.objects.filter(translation_key=programme.translation_key):
        attach_group(copy, group)
    return group, created


def attach_group(page: BuddyProgrammePage, group: Group) -> None:
    """Add ``group`` to the live page and to its pending draft, so publishing the draft
    later does not take the group away again."""
    if group not in page.coordinator_groups.all():
        page.coordinator_groups.add(group)
        page.save(update_fields=["coordinator_groups"], clean=False)
    if page.has_unpublished_changes and page.latest_revision_id:
        draft = page.get_latest_revision_as_object()
        if group not in draft.coordinator_groups.all():
            draft.coordinator_groups.add(group)
            draft.save_revision(clean=False)


def set_coordinator_groups(page: BuddyProgrammePage, groups) -> None:
    """Write the page's groups to the database now (the revision's copy is ignored)."""
    field = type(page)._meta.get_field("coordinator_groups")
    through = field.remote_field.through
    own, other = field.m2m_field_name(), field.m2m_reverse_field_name()
    through.objects.filter(**{f"{own}_id": page.pk}).delete()
    through.objects.bulk_create(
        [through(**{f"{own}_id": page.pk, f"{other}_id": g.pk}) for g in groups])


@transaction.atomic
def remove_coordinator_groups() -> tuple[list[str], list[str]]:
    """For removing the app: every group that coordinates a programme or holds one of the
    app's permissions loses those permissions; a group left with nothing but Wagtail admin
    access (what ``buddy_coordinators`` makes) is deleted, so its members lose the admin
    login it gave them. A group the site uses for more keeps everything else. Returns the
    names of the groups (deleted, kept). Safe to run twice, and after ``migrate ... zero``
    (then the groups are found by their permissions alone)."""
    groups = Group.objects.filter(permissions__content_type__app_label=APP_LABEL)
    attached = table_exists(BuddyProgrammePage.coordinator_groups.through)
    if attached:
        groups = groups | Group.objects.filter(buddy_programmes__isnull=False)
    deleted, kept = [], []
    for group in groups.distinct().order_by("name"):
        group.permissions.remove(*group.permissions.filter(content_type__app_label=APP_LABEL))
        if attached:
            group.buddy_programmes.clear()
        if only_admin_access(group):
            deleted.append(group.name)
            group.delete()
        else:
            kept.append(group.name)
    return deleted, kept


def only_admin_access(group: Group) -> bool:
    """True when the group gives nothing but the Wagtail admin login: no other permission,
    no page or collection permission."""
    others = group.permissions.exclude(content_type__app_label="wagtailadmin",
                                       codename="access_admin")
    return not (others.exists() or GroupPagePermission.objects.filter(group=group).exists()
                or GroupCollectionPermission.objects.filter(group=group).exists())
