"""Plain-text templates (email subjects and text bodies) rendered as text, not HTML.

Django's template engine escapes for HTML and marks its output *safe*. For a text email
both are wrong: "O'Brien" became "O&#x27;Brien" in a subject, and a text body rendered with
``{% autoescape off %}`` came back marked safe, so the admin preview printed a student's
``<script>`` unescaped. This engine shares the project's template loaders (so templates stay
overridable) but does not escape, and ``render_text`` returns a plain ``str``: whoever puts
it into HTML escapes it like any other user data.
"""

from __future__ import annotations

from django.template import Context, Engine, engines
from django.template.backends.django import DjangoTemplates

# (the project's Django engine, its text twin): rebuilt when TEMPLATES changes.
_cached: tuple[Engine, Engine] | None = None


def text_engine() -> Engine:
    """A twin of the project's Django template engine with autoescaping off."""
    global _cached
    html = next(e.engine for e in engines.all() if isinstance(e, DjangoTemplates))
    if _cached is None or _cached[0] is not html:
        _cached = (html, Engine(
            dirs=html.dirs, loaders=html.loaders, debug=html.debug,
            string_if_invalid=html.string_if_invalid, file_charset=html.file_charset,
            libraries=html.libraries,
            builtins=[b for b in html.builtins if b not in Engine.default_builtins],
            autoescape=False,
        ))
    return _cached[1]


def render_text(template_name: str, context: dict) -> str:
    """Render a text template to a plain string: not escaped, not marked safe."""
    rendered = text_engine().get_template(template_name).render(
        Context(context, autoescape=False))
    return str.__str__(rendered)
