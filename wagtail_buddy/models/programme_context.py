"""What every public page of a programme renders with: its links under the URL the visitor
used, the sign-up entries, and the language the app's text is written in."""

from __future__ import annotations

from django.db import models
from django.utils import translation

from ..caching import site_root_paths
from ..catalogues import base_code, written_language
from ..conf import buddy_settings


class PublicContextMixin(models.Model):
    class Meta:
        abstract = True

    def written_language(self) -> str:
        """The language this page's app text is written in for the active language (the
        programme's default when the app has no catalogue for it)."""
        return written_language(translation.get_language(), self.default_language)

    def _get_site_root_paths(self, cache_object=None, **kwargs):
        """Wagtail's per-object copy of the site root paths, read without failing when the
        cache is down (every ``url`` of this page goes through here)."""
        holder = cache_object or kwargs.get("request") or self
        if not hasattr(holder, "_wagtail_cached_site_root_paths"):
            holder._wagtail_cached_site_root_paths = site_root_paths()
        return holder._wagtail_cached_site_root_paths

    def url_as_requested(self, request) -> str:
        """This page's path as the visitor reached it: the same language prefix (``/fr/``)
        and host, so every link on a public page keeps the student's language. Derived from
        the request, with no site-root lookup (a cache read) on the sign-up path."""
        known = request.__dict__.setdefault("_buddy_page_urls", {})
        if self.pk in known:
            return known[self.pk]
        match = getattr(request, "routable_resolver_match", None)
        route = self.reverse_subpage(match.url_name, args=match.args, kwargs=match.kwargs) \
            if match is not None else ""
        path = getattr(request, "path", "")
        if not getattr(request, "is_preview", False) and path.endswith("/" + route):
            url = path[: len(path) - len(route)]
        else:
            url = self.get_url(request) or "/"
        known[self.pk] = url
        return url

    def get_context(self, request, *args, **kwargs) -> dict:
        """Adds the base template setting, the open intake, the two sign-up entries and the
        languages: ``buddy_lang`` (the app's text) and ``buddy_missing_lang`` (the visitor's
        language when the app has no catalogue for it)."""
        context = super().get_context(request, *args, **kwargs)
        context["buddy_base_template"] = buddy_settings.BASE_TEMPLATE
        base = self.url_as_requested(request)
        context.update(self.public_views().signup_entries(self, base))
        context["page_url"] = base
        context["buddy_timeline"] = {"confirm_days": buddy_settings.UNCONFIRMED_PURGE_DAYS,
                                     "checkin_weeks": buddy_settings.CHECKIN_WEEKS}
        context["request_link_url"] = base + self.reverse_subpage("request_link")
        written = translation.get_language() or self.default_language
        context["buddy_lang"] = written
        wanted = getattr(request, "LANGUAGE_CODE", None) or written
        context["buddy_missing_lang"] = wanted if base_code(wanted) != base_code(written) \
            else None
        return context
