"""``manage.py buddy_coordinators <programme>``: the programme's coordinator group, ready.

Creates the group (or brings it up to date) with the permissions of ``--level`` (admin
access included) and selects it in the programme page's *Coordinator groups*. Add people to
it in Settings -> Users. ``--remove`` (when removing the app) takes the app's permissions
from every group and deletes the groups that gave nothing else.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ...models import BuddyProgrammePage
from ...permissions import LEVELS
from ...services.coordinators import remove_coordinator_groups, setup_coordinator_group


class Command(BaseCommand):
    help = _("Create a programme's coordinator group with the right permissions and attach it.")

    def add_arguments(self, parser):
        parser.add_argument("programme", nargs="?",
                            help=_("The programme page: its id or its slug."))
        parser.add_argument("--group", help=_("Group name (default: '<section> coordinators')."))
        parser.add_argument("--level", choices=sorted(LEVELS), default="manage",
                            help=_("view, match, or manage (default): what members may do."))
        parser.add_argument("--remove", action="store_true", help=_(
            "Removing the app: take its permissions from every group and delete the "
            "coordinator groups that give nothing else."))

    def handle(self, *args, programme: str | None, group: str | None, level: str,
               remove: bool, **options):
        if remove:
            return self.remove()
        if not programme:
            raise CommandError(_("Name the programme page (its id or slug), or use --remove."))
        page = find_programme(programme)
        try:
            created_group, created = setup_coordinator_group(page, group, level)
        except LookupError as error:
            raise CommandError(str(error)) from error
        message = _("Created group %(group)s") if created else _("Updated group %(group)s")
        self.stdout.write(self.style.SUCCESS(message % {"group": created_group.name}))
        self.stdout.write(_(
            "It coordinates %(programme)s with the '%(level)s' permissions. Add your "
            "coordinators to it in Settings > Users (or create them there)."
        ) % {"programme": page.title, "level": level})


    def remove(self) -> None:
        deleted, kept = remove_coordinator_groups()
        for name in deleted:
            self.stdout.write(self.style.SUCCESS(_("Deleted group %(group)s") % {"group": name}))
        for name in kept:
            self.stdout.write(_(
                "Kept group %(group)s (it has other permissions); the app's permissions are "
                "removed from it.") % {"group": name})
        if not deleted and not kept:
            self.stdout.write(_("No group has the app's permissions any more."))


def find_programme(key: str) -> BuddyProgrammePage:
    """The programme named by a page id or slug. A translated copy's id or slug (copies
    often share the slug) is its programme: the canonical copy, which owns the intakes."""
    pages = BuddyProgrammePage.objects.all()
    matches = pages.filter(pk=int(key)) if key.isdigit() else pages.filter(slug=key)
    found = list({page.canonical.pk: page.canonical for page in matches[:50]}.values())
    if len(found) != 1:
        titles = ", ".join(f"{p.pk} ({p.slug})" for p in pages.order_by("pk")[:20]) or "-"
        reason = _("is ambiguous") if found else _("matches no buddy programme page")
        raise CommandError(_("%(key)r %(reason)s. Programme pages: %(titles)s") % {
            "key": key, "reason": reason, "titles": titles})
    return found[0]
