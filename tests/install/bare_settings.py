"""The example site without the apps and worker settings the README adds: checks must say so."""

from buddysite.settings.test import *  # noqa: F403
from buddysite.settings.test import INSTALLED_APPS

from wagtail_buddy.checks import REQUIRED_APPS

INSTALLED_APPS = [app for app in INSTALLED_APPS if app not in REQUIRED_APPS]
del Q_CLUSTER  # noqa: F821
