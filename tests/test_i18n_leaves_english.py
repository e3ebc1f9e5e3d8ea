"""Runs right after tests/test_i18n.py (files are collected in name order; "." sorts before
"_"): that module requests pages under /fr/ and /de/, and the tests after it must still run
in the site's language. Alone, or before it, this passes trivially; see the order with
``pytest -p no:randomly tests/test_i18n.py tests/test_i18n_leaves_english.py``."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext


def test_the_next_test_runs_in_the_site_language():
    assert translation.get_language() == settings.LANGUAGE_CODE
    assert gettext("Become a buddy") == "Become a buddy"
