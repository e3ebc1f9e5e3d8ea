"""``{% buddy_setting "NAME" as value %}``: a ``WAGTAIL_BUDDY_*`` setting in a template, so
pages and emails state the periods the site really uses (e.g. the purge of unconfirmed
sign-ups) instead of "a few days"."""

from __future__ import annotations

from django import template

from ..conf import buddy_settings

register = template.Library()


@register.simple_tag
def buddy_setting(name: str):
    return getattr(buddy_settings, name)
