"""Who may change who coordinates a programme (its *Coordinator groups*): access, not content.

The groups decide who lists, exports and erases the programme's participants, so they are
not left to page editing rights. Only a user who may manage this programme's buddy settings
(``permissions.may_change_access``), or a superuser, gets the field in the page editor, and
their change is written at once, like Wagtail's page privacy, instead of travelling in a
revision. Publishing, reverting or scheduling any revision therefore keeps the groups as they
are (``BuddyProgrammePage.with_content_json``): a moderator who publishes an editor's draft
can neither hand the participants to another group nor remove the rightful coordinators.
"""

from __future__ import annotations

from wagtail.admin.forms import WagtailAdminPageForm

FIELD = "coordinator_groups"


class ProgrammePageForm(WagtailAdminPageForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        from ..permissions import may_change_access

        if FIELD in self.fields and not may_change_access(for_user, self.instance):
            del self.fields[FIELD]

    def save(self, commit=True):
        page = super().save(commit=commit)
        if FIELD in self.fields and page.pk:
            set_coordinator_groups(page, self.cleaned_data[FIELD])
        return page


def set_coordinator_groups(page, groups) -> None:
    """Write the page's groups to the database now (the revision's copy is ignored)."""
    field = type(page)._meta.get_field(FIELD)
    through = field.remote_field.through
    own, other = field.m2m_field_name(), field.m2m_reverse_field_name()
    through.objects.filter(**{f"{own}_id": page.pk}).delete()
    through.objects.bulk_create(
        [through(**{f"{own}_id": page.pk, f"{other}_id": g.pk}) for g in groups])
