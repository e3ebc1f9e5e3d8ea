from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _
from wagtail.signals import post_page_move

from . import checks  # noqa: F401  (registers the system checks)
from .vocabulary import ensure_languages


class WagtailBuddyConfig(AppConfig):
    name = "wagtail_buddy"
    label = "wagtail_buddy"
    verbose_name = _("Buddy System")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: they import models, which do not exist while apps.py is loaded.
        from .admin.page_form import ProgrammePageForm
        from .compat import site_history_in_one_union
        from .models import BuddyProgrammePage
        from .services.tokens import page_or_site_changed

        # As Wagtail sets Page.base_form_class in its own ready(): the form imports
        # permissions and services, which the models must not import.
        BuddyProgrammePage.base_form_class = ProgrammePageForm
        post_migrate.connect(ensure_languages, sender=self)
        site_history_in_one_union()
        # Emailed links remember each programme page's absolute URL: any page or site
        # change may move it.
        post_save.connect(page_or_site_changed, dispatch_uid="wagtail_buddy_page_urls_save")
        post_delete.connect(page_or_site_changed,
                            dispatch_uid="wagtail_buddy_page_urls_delete")
        post_page_move.connect(page_or_site_changed, dispatch_uid="wagtail_buddy_page_urls_move")
