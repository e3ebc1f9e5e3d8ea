"""Two students (or one double-click) signing up with the same address at the same moment."""

from __future__ import annotations

import pytest

from wagtail_buddy.forms import ParticipantForm
from wagtail_buddy.models import OutboundEmail, Participant
from wagtail_buddy.services import signup

from .test_outbox import run_concurrently


@pytest.mark.postgres
def test_concurrent_signups_of_one_address_make_one_participant(postgres_db, programme, intake,
                                                                signup_payload):
    def register(email: str) -> str:
        form = ParticipantForm(signup_payload(email=email), programme=programme,
                               role="international")
        assert form.is_valid(), form.errors
        return signup.register(programme, intake, "international", form).kind

    emails = ["race@example.org", "Race@Example.org", "RACE@example.org", "race@example.org"]
    results = run_concurrently(register, [(email,) for email in emails])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(results) == ["created", "duplicate", "duplicate", "duplicate"]
    participant = Participant.objects.get()
    assert participant.email == "race@example.org"
    confirm = OutboundEmail.objects.filter(participant=participant, purpose="confirm")
    assert confirm.filter(dedup_key__endswith=":0").count() == 1
