"""The participant list's rows, rendered in one pass per page.

modeladmin renders a list cell by cell: for 50 rows x 12 columns it resolves each column
by name (``lookup_field``), then renders an inclusion-tag template per cell and asks the
permission and button helpers per row: 650 template renders, about a quarter of the page's
time at national scale. Here each column is resolved once per request into a function, the
row's cells are joined as HTML in Python (escaped as the template would), and the row
button is built once and given each row's URL. The markup is modeladmin's own
(``modeladmin/includes/result_row.html``), so styles, scripts and tests see the same table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.contrib.admin.utils import display_for_field, display_for_value
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

NOWRAP = (models.DateField, models.TimeField, models.ForeignKey)
BLANK = mark_safe("&nbsp;")


def column(model_admin, model, name: str, empty: str) -> tuple[Callable, str]:
    """``name`` of ``list_display`` as (object -> safe HTML of its value, extra classes)."""
    attr = getattr(model_admin, name, None)
    if callable(attr):
        def value(obj, attr=attr):
            shown = attr(obj)
            text = display_for_value(shown, empty)
            return mark_safe(text) if not shown else conditional_escape(text)
        return value, ""
    field = model._meta.get_field(name)
    if field.auto_created:
        raise FieldDoesNotExist(name)  # a reverse relation: not a column of this list

    def value(obj, field=field):
        return conditional_escape(display_for_field(getattr(obj, field.name), field, empty))
    return value, " nowrap" if isinstance(field, NOWRAP) else ""


def render_rows(model_admin, objects: Iterable, names: Sequence[str],
                inspect_url: Callable[[object], str], button: dict | None) -> list[dict]:
    """[{"pk", "parity", "cells"}] for ``result_rows.html``: ``cells`` is the row's
    ``<td>``s, the first wrapping its value in the inspect link and the row's button."""
    empty = model_admin.get_empty_value_display()
    columns = []
    for name in names:
        value, classes = column(model_admin, model_admin.model, name, empty)
        columns.append((name, value, classes))
    rows = []
    for index, obj in enumerate(objects):
        url = inspect_url(obj)
        cells = []
        for position, (name, value, classes) in enumerate(columns):
            shown = value(obj)
            if str(shown) == "":
                shown = BLANK
            extra = model_admin.get_extra_class_names_for_field_col(obj, name)
            css = f"field-{name} title{classes}{''.join(' ' + c for c in extra)}"
            if position == 0 and button is not None:
                cells.append(format_html(
                    '<td class="{}"><div class="title-wrapper"><a href="{}" title="{}">{}</a>'
                    '</div><ul class="actions"><li><a href="{}" class="{}" title="{}">{}</a>'
                    "</li></ul></td>", css, url, button["title"], shown, url,
                    button["classname"], button["title"], button["label"]))
            else:
                cells.append(format_html('<td class="{}">{}</td>', css, shown))
        rows.append({"pk": obj.pk, "parity": "odd" if index % 2 == 0 else "even",
                     "cells": SafeString("".join(cells))})
    return rows
