"""A site translated with wagtail-localize (en, fr, de) whose base template is shaped like
bakerydemo's: the example site with wagtail-localize in place of Wagtail's simple
translation, and the app's public pages inside tests/install/templates/bakery/base.html."""

from pathlib import Path

from buddysite.settings.test import *  # noqa: F403
from buddysite.settings.test import INSTALLED_APPS, TEMPLATES

INSTALLED_APPS = [app for app in INSTALLED_APPS
                  if app not in ("wagtail.contrib.simple_translation", "wagtail.locales")]
INSTALLED_APPS += ["wagtail_localize", "wagtail_localize.locales"]
WAGTAIL_CONTENT_LANGUAGES = [("en", "English"), ("fr", "French"), ("de", "German")]
# Like bakerydemo: the site offers Arabic, which the app has no catalogue for.
LANGUAGES = [*WAGTAIL_CONTENT_LANGUAGES, ("ar", "Arabic")]
TEMPLATES = [{**TEMPLATES[0],
              "DIRS": [*TEMPLATES[0]["DIRS"], Path(__file__).parent / "templates"]}]
WAGTAIL_BUDDY_BASE_TEMPLATE = "bakery/base.html"
