"""``manage.py buddy_import``: the same service from the command line."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from wagtail_buddy.models import OutboundEmail, Participant

from .conftest import csv_bytes, google_forms_rows

pytestmark = pytest.mark.usefixtures("buddy_cache")


def command(programme, intake, path, *extra) -> str:
    import io

    out = io.StringIO()
    call_command("buddy_import", programme.slug, str(path), "--intake", str(intake.pk),
                 "--role", "international", *extra, stdout=out)
    return out.getvalue()


def test_command_imports_and_invites(programme, intake, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes(google_forms_rows(2)))
    out = command(programme, intake, path)
    assert "Invited 2 new people (2 invitations queued)" in out
    assert Participant.objects.filter(status="invited").count() == 2


def test_dry_run_writes_nothing_and_json_says_what_would_happen(programme, intake, tmp_path):
    rows = google_forms_rows(2)
    rows[2][4] = "klingon"
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes(rows))
    report = json.loads(command(programme, intake, path, "--dry-run", "--json"))
    assert report["dry_run"] is True and "result" not in report
    assert report["counts"] == {"create": 1, "update": 0, "unchanged": 0, "skip": 1}
    assert report["rows"][1]["problems"] == [
        {"field": "Languages", "reason": "'klingon': not a language code or name we know"}]
    assert report["mapping"]["Timestamp"] == ""
    assert not Participant.objects.exists() and not OutboundEmail.objects.exists()


def test_map_option_overrides_the_guess(programme, intake, tmp_path):
    rows = [["Mail", "Given", "Family", "Where from"], ["a@example.org", "A", "B", "Italie"]]
    path = tmp_path / "x.csv"
    path.write_bytes(csv_bytes(rows))
    out = json.loads(command(programme, intake, path, "--map", "Given=first_name", "--map",
                             "Family=last_name", "--map", "Where from=nationality", "--json"))
    assert out["result"]["created"] == 1
    assert Participant.objects.get().nationality.code == "IT"


def test_unreadable_file_exits_non_zero_and_writes_nothing(programme, intake, tmp_path):
    path = tmp_path / "garbage.csv"
    path.write_bytes(b"\x00\x01\x02\xff" * 100)
    with pytest.raises(CommandError, match="binary"):
        command(programme, intake, path)
    with pytest.raises(CommandError, match="Cannot read"):
        command(programme, intake, tmp_path / "missing.csv")
    assert not Participant.objects.exists()


def test_unreadable_file_exits_with_status_1_and_a_message(programme, intake, tmp_path,
                                                          capsys, monkeypatch):
    """As from the shell: ``run_from_argv`` turns the error into exit status 1. It also closes
    every database connection on its way out, as a process about to exit may; here that
    would close the test's own transaction (PostgreSQL), so that one step is left out."""
    from django.db import connections

    from wagtail_buddy.management.commands.buddy_import import Command

    monkeypatch.setattr(connections, "close_all", lambda: None)
    path = tmp_path / "garbage.csv"
    path.write_bytes(b"\x00" * 64)
    with pytest.raises(SystemExit) as exit_:
        Command().run_from_argv(["manage.py", "buddy_import", programme.slug, str(path),
                                 "--intake", str(intake.pk), "--role", "local"])
    assert exit_.value.code == 1
    assert "garbage.csv: This file is not a spreadsheet" in capsys.readouterr().err
    assert not Participant.objects.exists()


def test_bad_map_option_is_an_error(programme, intake, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(csv_bytes(google_forms_rows(1)))
    with pytest.raises(CommandError, match="unknown field"):
        command(programme, intake, path, "--map", "Timestamp=birthday")
    with pytest.raises(CommandError, match="has no column"):
        command(programme, intake, path, "--map", "Nope=email")
