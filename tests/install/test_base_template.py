"""The public pages inside a site's own base template that has only a content block."""

import re

import pytest


def assets(html: str) -> tuple[list[str], list[str]]:
    stylesheets = re.findall(r'<link rel="stylesheet" href="[^"]*wagtail_buddy/public\.css"', html)
    scripts = re.findall(r'<script src="[^"]*wagtail_buddy/public\.js"', html)
    return stylesheets, scripts


@pytest.mark.parametrize("base", ["bakery/base.html", "bakery/child.html"])
def test_pages_keep_css_and_js_in_a_base_with_only_a_content_block(
        client, settings, site_templates, programme, intake, base):
    settings.WAGTAIL_BUDDY_BASE_TEMPLATE = base
    for url in (programme.url, programme.url + "signup/international/",
                programme.url + "link/"):
        html = client.get(url).content.decode()
        assert "The Wagtail Bakery" in html and "Bakery footer" in html, url
        stylesheets, scripts = assets(html)
        assert len(stylesheets) == 1 and len(scripts) == 1, (url, stylesheets, scripts)
        body = html.split("<body", 1)[1]
        assert stylesheets[0] in body and scripts[0] in body


def test_the_signup_form_has_its_language_search_in_a_bakery_base(
        client, settings, site_templates, programme, intake):
    settings.WAGTAIL_BUDDY_BASE_TEMPLATE = "bakery/base.html"
    html = client.get(programme.url + "signup/local/").content.decode()
    assert 'class="buddy"' in html and 'name="languages"' in html
    assert html.index("public.css") < html.index('class="buddy"') < html.index("public.js")


@pytest.mark.parametrize("base", ["base.html", "wagtail_buddy/standalone_base.html"])
def test_a_base_with_extra_css_gets_the_stylesheet_in_the_head_once(
        client, settings, programme, intake, base):
    settings.WAGTAIL_BUDDY_BASE_TEMPLATE = base
    html = client.get(programme.url + "signup/local/").content.decode()
    stylesheets, scripts = assets(html)
    assert len(stylesheets) == 1 and len(scripts) == 1
    head = html.split("</head>", 1)[0]
    assert stylesheets[0] in head
