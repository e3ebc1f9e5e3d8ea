"""Who may see which programme: superusers see all, coordinators their groups' programmes.

This module may import the models; the models never import it.
"""

from django.db.models import QuerySet

from .models.participant import VIEW_PERMISSION
from .models.programme import coordinated_intake_ids, coordinated_programmes


def programmes_for_user(user) -> QuerySet:
    """The programmes whose participants ``user`` may reach (after the level's check)."""
    return coordinated_programmes(user)


def intake_ids_for_user(user) -> list[int] | None:
    """The intakes ``user`` coordinates (None: every intake, a superuser)."""
    return coordinated_intake_ids(user)


def scope_to_user(queryset: QuerySet, user, field: str = "intake_id") -> QuerySet:
    """``queryset`` narrowed to rows whose ``field`` (an intake id) ``user`` may see."""
    ids = intake_ids_for_user(user)
    return queryset if ids is None else queryset.filter(**{f"{field}__in": ids})


# The three coordinator levels, each named once: "view" < "match" < "manage". Each level is
# granted by one Django permission (``LEVEL_PERMISSION``) and needs what ``LEVELS`` lists.
VIEW, MATCH, MANAGE = "view", "match", "manage"
LEVEL_PERMISSION: dict[str, str] = {
    VIEW: VIEW_PERMISSION,
    MATCH: "wagtail_buddy.match_participants",
    MANAGE: "wagtail_buddy.manage_programme_settings",
}


def has_level(user, level: str) -> bool:
    """Does ``user`` hold the permission of coordinator level ``level``?"""
    return bool(user and user.has_perm(LEVEL_PERMISSION[level]))


def can_view_participants(user) -> bool:
    return has_level(user, VIEW)


def can_match(user) -> bool:
    return has_level(user, MATCH)


def can_manage_settings(user) -> bool:
    return has_level(user, MANAGE)


def may_change_access(user, programme) -> bool:
    """May ``user`` change who coordinates ``programme`` (its coordinator groups)?

    Superusers; otherwise only someone with the settings permission who coordinates this
    programme already (any programme, for a page not created yet).
    """
    if not (user and user.is_active and user.is_authenticated):
        return False
    if user.is_superuser:
        return True
    if not can_manage_settings(user):
        return False
    return programme is None or programme.pk is None or \
        programmes_for_user(user).filter(pk=programme.pk).exists()


# What each coordinator level needs, as "app_label.codename", admin access included. The
# README's permission table and ``manage.py buddy_coordinators`` both follow this.
LEVELS: dict[str, tuple[str, ...]] = {
    VIEW: ("wagtailadmin.access_admin", LEVEL_PERMISSION[VIEW]),
}
LEVELS[MATCH] = (*LEVELS[VIEW], LEVEL_PERMISSION[MATCH])
LEVELS[MANAGE] = (
    *LEVELS[MATCH], LEVEL_PERMISSION[MANAGE],
    "wagtail_buddy.add_intake", "wagtail_buddy.change_intake", "wagtail_buddy.view_intake",
    "wagtail_buddy.add_interest", "wagtail_buddy.change_interest",
    "wagtail_buddy.view_interest",
    "wagtail_buddy.add_checklisttask", "wagtail_buddy.change_checklisttask",
    "wagtail_buddy.view_checklisttask",
)
