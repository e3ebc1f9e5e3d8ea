from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailBuddyConfig(AppConfig):
    name = "wagtail_buddy"
    label = "wagtail_buddy"
    verbose_name = _("Buddy System")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_migrate, post_save
        from wagtail.signals import post_page_move

        from . import checks  # noqa: F401  (registers the system checks)
        from .compat import site_history_in_one_union
        from .vocabulary import ensure_languages

        post_migrate.connect(ensure_languages, sender=self)
        site_history_in_one_union()
        # Emailed links remember each programme page's absolute URL: any page or site
        # change may move it.
        post_save.connect(_forget_page_urls, dispatch_uid="wagtail_buddy_page_urls_save")
        post_delete.connect(_forget_page_urls, dispatch_uid="wagtail_buddy_page_urls_delete")
        post_page_move.connect(_forget_page_urls, dispatch_uid="wagtail_buddy_page_urls_move")


def _forget_page_urls(sender, instance=None, **kwargs) -> None:
    from wagtail.models import Page, Site

    if instance is None or isinstance(instance, (Page, Site)):
        from .services.tokens import forget_base_urls

        forget_base_urls()
