"""Who may change who coordinates a programme (its *Coordinator groups*): access, not content.

The groups decide who lists, exports and erases the programme's participants, so they are
not left to page editing rights. Only a user who may manage this programme's buddy settings
(``permissions.may_change_access``), or a superuser, gets the field in the page editor
(``admin.page_form.ProgrammePageForm``), and
their change is written at once, like Wagtail's page privacy, instead of travelling in a
revision. Publishing, reverting or scheduling any revision therefore keeps the groups as they
are (``BuddyProgrammePage.with_content_json``): a moderator who publishes an editor's draft
can neither hand the participants to another group nor remove the rightful coordinators.
"""

from __future__ import annotations

FIELD = "coordinator_groups"


def set_coordinator_groups(page, groups) -> None:
    """Write the page's groups to the database now (the revision's copy is ignored)."""
    field = type(page)._meta.get_field(FIELD)
    through = field.remote_field.through
    own, other = field.m2m_field_name(), field.m2m_reverse_field_name()
    through.objects.filter(**{f"{own}_id": page.pk}).delete()
    through.objects.bulk_create(
        [through(**{f"{own}_id": page.pk, f"{other}_id": g.pk}) for g in groups])
