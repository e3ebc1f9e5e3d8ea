"""The proposals page's cells (issue 24): constant words, links and choice labels are made
once per page, not per row, and say exactly what ``{% trans %}``, ``{% blocktrans %}``,
``{% url %}`` and ``get_<field>_display`` said."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from unittest import mock

import pytest
from django.db.models import Model
from django.template import Context, Template
from django.templatetags import i18n
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import conditional_escape
from wagtail.users.models import UserProfile

from tests.admin.test_access_and_scale import add_pairs
from wagtail_buddy.admin import labels as labels_module
from wagtail_buddy.admin.views.base import percent_sentence, points_sentence
from wagtail_buddy.models import Intake, Match, Participant
from wagtail_buddy.templatetags import buddy_admin

NS = "wagtail_buddy_admin"


def varied_intake(programme, pairs: int) -> Intake:
    """``pairs`` pairs in every state a row can show: locked, chosen by the buddy, manual,
    asked for answers, confirmed, rejected, a student left over."""
    intake = Intake.objects.create(programme=programme, name=f"Varied {pairs}",
                                   starts_on=date(2027, 2, 1), ends_on=date(2027, 7, 1))
    add_pairs(intake, pairs + 2, pairs + 2, pairs, seed=pairs)
    for i, match in enumerate(Match.objects.filter(intake=intake).order_by("pk")):
        match.locked = i % 4 == 1
        match.source = ("buddy", "manual", "engine")[i % 3]
        match.answers = ("", "waiting", "declined")[i % 3] if match.status == "proposed" else ""
        if i % 5 == 4:
            match.status = "rejected"
        match.save()
        if i % 3 == 2:
            Participant.objects.filter(pk=match.mentee_id).update(left_over_at=timezone.now())
    return intake


def render_counts(client, intake) -> tuple[Counter, str]:
    """Per-row work while the page renders: catalogue lookups of the templates, choice
    labels read through Django's ``get_<field>_display`` and URL reversals of the rows."""
    counts: Counter = Counter()

    def counting(name, real):
        def wrapper(*args, **kwargs):
            counts[name] += 1
            return real(*args, **kwargs)
        return wrapper

    with mock.patch.object(i18n.TranslateNode, "render",
                           counting("trans", i18n.TranslateNode.render)), \
         mock.patch.object(i18n.BlockTranslateNode, "render",
                           counting("blocktrans", i18n.BlockTranslateNode.render)), \
         mock.patch.object(Model, "_get_FIELD_display",
                           counting("display", Model._get_FIELD_display)), \
         mock.patch.object(buddy_admin, "reverse_pk", counting("url", buddy_admin.reverse_pk)):
        response = client.get(reverse(f"{NS}:proposals", args=[intake.pk]), {"status": "all"})
    assert response.status_code == 200
    return counts, response.content.decode()


def test_rows_add_no_catalogue_lookup_choice_label_or_url_reversal(client, coordinator,
                                                                   programme):
    client.force_login(coordinator)
    few, many = varied_intake(programme, 4), varied_intake(programme, 24)
    small, small_html = render_counts(client, few)
    big, big_html = render_counts(client, many)
    assert small_html.count("<tr data-match=") == 4 and big_html.count("<tr data-match=") == 24
    assert small == big  # the page's own header and filters only, whatever the rows


def test_rows_say_what_the_template_tags_said(client, coordinator, programme):
    intake = varied_intake(programme, 12)
    client.force_login(coordinator)
    url = reverse(f"{NS}:proposals", args=[intake.pk])
    for language in ("fr", "en"):  # each in its language, the second after the first
        profile = UserProfile.get_for_user(coordinator)
        profile.preferred_language = language
        profile.save()
        html = client.get(url, {"status": "all"}).content.decode()
        with translation.override(language):
            words = {key: str(conditional_escape(str(word)))
                     for key, word in labels_module.WORDS.items()}
            for match in Match.objects.filter(intake=intake).select_related("mentee", "mentor"):
                row = html.split(f'<tr data-match="{match.pk}"', 1)[1].split("</tr>", 1)[0]
                assert f'data-label="{words["international_student"]}"' in row
                assert str(conditional_escape(match.get_status_display())) in row
                if match.answers:
                    assert str(conditional_escape(match.get_answers_display())) in row
                if match.status == "proposed":
                    for action in ("confirm", "reject", "unlock" if match.locked else "lock"):
                        target = reverse(f"{NS}:match_action", args=[match.pk, action])
                        assert f'action="{target}"' in row
                        assert f'data-action="{action}">{words[action]}</button>' in row
                    assert f'href="{reverse(f"{NS}:swap", args=[match.pk])}?next=' in row
                if match.source == "buddy" and match.status != "rejected":
                    assert (f'href="{reverse(f"{NS}:match", args=[match.pk])}#undo-claim">'
                            f'{words["undo_choice"]}</a>') in row
                if match.mentee.left_over_at:
                    assert f'title="{words["left_over_title"]}">{words["left_over"]}' in row
                mentor = match.mentor
                assert Template("{% load i18n %}{% blocktrans count n=p.capacity %}{{ n }} "
                                "place{% plural %}{{ n }} places{% endblocktrans %}").render(
                    Context({"p": mentor})) in row
                if mentor.gender:
                    assert f" · {conditional_escape(mentor.get_gender_display())}" in row
        assert len(re.findall(r'<tr data-match="', html)) == 12


@pytest.mark.parametrize("language", ["en", "fr", "de"])
def test_cached_words_equal_the_tags(language):
    sentence = Template(
        "{% load i18n %}{% blocktrans with percent=p %}{{ percent }}% of the best possible"
        "{% endblocktrans %}|{% blocktrans with score=s best=b %}{{ score }} of {{ best }} "
        "points under the current weights{% endblocktrans %}")
    with translation.override(language):
        for key, word in labels_module.WORDS.items():
            msgid = word._args[0]  # the lazy string's msgid
            tag = Template("{% load i18n %}{% trans msgid %}").render(Context({"msgid": msgid}))
            assert labels_module.labels()[key] == tag, key
        for p, s, b in ((0, "0.00", "9.00"), (73, "6.57", "9.00"), (100, "<b>", "&")):
            assert f"{percent_sentence(p, language)}|{points_sentence(s, b, language)}" == \
                sentence.render(Context({"p": p, "s": s, "b": b}))
        for field in ("status", "answers", "source"):
            for value, _label in Match._meta.get_field(field).flatchoices:
                match = Match(**{field: value})
                assert buddy_admin.choice_label(match, field) == \
                    getattr(match, f"get_{field}_display")()
        for value, _label in Participant._meta.get_field("gender").flatchoices:
            person = Participant(gender=value)
            assert buddy_admin.choice_label(person, "gender") == person.get_gender_display()
