"""The public pages' stylesheet, placed once whatever blocks the site's base template has.

A site's base template may lack ``extra_css`` (bakerydemo's does): the stylesheet is then
emitted at the top of ``content`` instead, so the pages never render unstyled.
"""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

register = template.Library()

_EMITTED = "wagtail_buddy_stylesheet_emitted"


@register.simple_tag(takes_context=True)
def buddy_stylesheet(context) -> str:
    """``<link>`` to public.css the first time it is called while rendering one page."""
    # render_context is shared by a template and the templates it extends, and is fresh
    # for every page rendered.
    state = context.render_context
    if state.get(_EMITTED):
        return ""
    state[_EMITTED] = True
    return format_html('<link rel="stylesheet" href="{}">', static("wagtail_buddy/public.css"))
