from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailBuddyConfig(AppConfig):
    name = "wagtail_buddy"
    label = "wagtail_buddy"
    verbose_name = _("Buddy System")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401 - registers the system checks
        from .vocabulary import ensure_languages

        post_migrate.connect(ensure_languages, sender=self)
