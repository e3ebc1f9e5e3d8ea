"""Signed tokens: single-purpose, tamper-proof, expiring, revoked by rotating the access key."""

from __future__ import annotations

import re

import pytest

from wagtail_buddy.services import tokens


def test_round_trip_and_wagtail_safe_characters(participant_factory):
    p = participant_factory()
    for purpose in tokens.PURPOSES:
        token = tokens.make_token(p, purpose, 42)
        assert re.fullmatch(r"[\w-]+", token), token  # Wagtail routes only [\w-] segments
        resolved = tokens.resolve(token, purpose)
        assert resolved.participant == p and resolved.extra == [42]
    assert p.access_key not in tokens.make_token(p, tokens.ACCESS)


@pytest.mark.parametrize("made, used", [("confirm", "access"), ("access", "checkin"),
                                        ("checkin", "confirm")])
def test_a_token_only_opens_its_own_purpose(participant_factory, made, used):
    token = tokens.make_token(participant_factory(), made)
    with pytest.raises(tokens.TokenError):
        tokens.resolve(token, used)


def test_tampered_tokens_are_refused(participant_factory):
    p = participant_factory()
    other = participant_factory()
    token = tokens.make_token(p, tokens.ACCESS)
    forged = [token[:-1] + ("A" if token[-1] != "A" else "B"), token[:20], token + "x",
              "x" + token[1:], "", "a" * 600, "not:a:token",
              tokens.make_token(other, tokens.ACCESS)[:-43] + token[-43:]]
    for value in forged:
        with pytest.raises(tokens.TokenError):
            tokens.resolve(value, tokens.ACCESS)


def test_rotating_the_access_key_revokes_every_link(participant_factory):
    p = participant_factory()
    token = tokens.make_token(p, tokens.ACCESS)
    p.rotate_access_key()
    p.save()
    with pytest.raises(tokens.TokenError):
        tokens.resolve(token, tokens.ACCESS)
    assert tokens.resolve(tokens.make_token(p, tokens.ACCESS), tokens.ACCESS).participant == p


def test_deleted_participant_token_is_refused(participant_factory):
    p = participant_factory()
    token = tokens.make_token(p, tokens.CONFIRM)
    p.delete()
    with pytest.raises(tokens.TokenError):
        tokens.resolve(token, tokens.CONFIRM)


def test_tokens_expire(participant_factory, settings):
    p = participant_factory()
    confirm, access = tokens.make_token(p, tokens.CONFIRM), tokens.make_token(p, tokens.ACCESS)
    settings.WAGTAIL_BUDDY_CONFIRM_TOKEN_MAX_AGE = -1
    with pytest.raises(tokens.TokenExpired):
        tokens.resolve(confirm, tokens.CONFIRM)
    assert tokens.resolve(access, tokens.ACCESS).participant == p  # its own, longer age
    settings.WAGTAIL_BUDDY_TOKEN_MAX_AGE = -1
    with pytest.raises(tokens.TokenExpired):
        tokens.resolve(access, tokens.ACCESS)


def test_urls_are_absolute_and_resolve(participant_factory, programme):
    p = participant_factory()
    url = tokens.private_url(p)
    assert url.startswith(programme.get_full_url() + "me/")
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert tokens.resolve(token, tokens.ACCESS).participant == p
    assert "/confirm/" in tokens.confirmation_url(p)
    assert "/checkin/" in tokens.checkin_url(p, 7)
