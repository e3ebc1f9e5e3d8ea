"""``{% participant_url pk %}``: a participant's profile in the admin, for any template.

The participant list is wagtail-modeladmin's; templates reach it through this tag so no
modeladmin URL name appears outside ``admin/modeladmin.py``.
"""

from django import template

from ..admin.modeladmin import participant_url as _participant_url

register = template.Library()


@register.simple_tag
def participant_url(pk: int | None = None, **query) -> str:
    return _participant_url(pk, **query)
