"""The student's language sticks: links on every public page keep the language prefix, the
switcher keeps the current page, and the demo has translated programme pages."""

from __future__ import annotations

import re

import pytest

from wagtail_buddy.services import tokens
from wagtail_buddy.services.demo import translate_page

pytestmark = pytest.mark.usefixtures("buddy_cache")


def hrefs(response) -> list[str]:
    return re.findall(r'href="([^"]+)"', response.content.decode())


def switcher(response) -> dict[str, str]:
    html = response.content.decode()
    return dict((code, url) for url, code in
                re.findall(r'<a href="([^"]+)" lang="(\w+)" hreflang=', html))


def test_links_keep_the_language_prefix_without_a_translated_copy(client, programme, intake):
    links = hrefs(client.get(f"/fr{programme.url}"))
    signup = [link for link in links if "/signup/" in link]
    assert signup and all(link.startswith(f"/fr{programme.url}") for link in signup)
    form = client.get(f"/fr{programme.url}signup/local/")
    assert f'href="/fr{programme.url}"' in form.content.decode()  # the back link
    assert 'lang="fr"' in form.content.decode()


def test_private_page_links_keep_the_language(client, programme, participant_factory):
    p = participant_factory()
    token = tokens.make_token(p, tokens.ACCESS)
    html = client.get(f"/fr{programme.url}me/{token}/").content.decode()
    for action in ("download", "withdraw", "delete"):
        assert f'href="/fr{programme.url}me/{token}/{action}/"' in html


def test_switcher_keeps_the_page_and_its_sub_route(client, programme, intake):
    copies = {c.locale.language_code: c for c in translate_page(programme, ["fr", "de"])}
    page = client.get(programme.url + "signup/international/")
    links = switcher(page)
    assert links["fr"] == copies["fr"].url + "signup/international/"
    assert links["de"] == copies["de"].url + "signup/international/"
    assert links["es"] == f"/es{programme.url}signup/international/"  # no Spanish copy
    french = client.get(copies["fr"].url)
    assert 'lang="fr"' in french.content.decode()
    assert copies["fr"].title == "Programme de parrainage"
    assert switcher(french)["en"] == programme.url
    assert all(link.startswith(copies["fr"].url) for link in hrefs(french) if "signup/" in link)
    assert translate_page(programme, ["fr", "de"]) == []  # idempotent
