"""The README's Google Forms example is true: its commands, run on a file whose first lines
are the ones it shows, print exactly what it shows."""

from __future__ import annotations

import csv
import io
import re
import shlex
from pathlib import Path

import pytest
from django.core.management import call_command

from wagtail_buddy.models import OutboundEmail, Participant

pytestmark = pytest.mark.usefixtures("buddy_cache")

README = Path(__file__).resolve().parents[2] / "README.md"


def transcript() -> list[tuple[list[str], list[str]]]:
    """(command, expected output lines) for each ``$`` line of the README's example."""
    block = re.search(r"<!-- import:google-forms -->\s*```console\n(.*?)```", README.read_text(),
                      re.S).group(1)
    steps: list[tuple[list[str], list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((shlex.split(line[2:]), []))
        else:
            steps[-1][1].append(line)
    return steps


def google_forms_file(path: Path, first_lines: list[str]) -> None:
    """The two lines the README shows, then 119 more answers; spreadsheet rows 14 and 22
    hold the unusable ones the README names."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in range(3, 122):  # spreadsheet row numbers (the header is row 1)
        languages = "klingon" if row == 14 else "Spanish, English"
        arrival = "31/02/2027" if row == 22 else "01/02/2027"
        writer.writerow([f"2027/01/03 10:{row % 60:02d}:11 AM GMT+1", f"student{row}@example.org",
                         f"Ana{row}", "García", languages, "Spain", "Universidad de Sevilla",
                         arrival, "Université Lyon 2"])
    path.write_text("\n".join(first_lines) + "\n" + buffer.getvalue(), encoding="utf-8")


def test_the_readme_google_forms_example_runs_as_shown(programme, intake, tmp_path,
                                                       monkeypatch):
    steps = transcript()
    (head, shown), *commands = steps
    assert head[:2] == ["head", "-2"] and len(shown) == 2
    google_forms_file(tmp_path / head[2], shown)
    monkeypatch.chdir(tmp_path)
    assert len(commands) == 3
    for argv, expected in commands:
        assert argv[:3] == ["python", "manage.py", "buddy_import"], argv
        args = argv[3:]
        assert (args[0], args[args.index("--intake") + 1]) == ("buddy", "3")
        args[0], args[args.index("--intake") + 1] = programme.slug, str(intake.pk)  # this DB's
        out = io.StringIO()
        call_command("buddy_import", *args, stdout=out)
        assert out.getvalue().splitlines() == expected, argv
    assert Participant.objects.filter(intake=intake, status="invited").count() == 118
    assert OutboundEmail.objects.filter(purpose="invitation").count() == 118
    lucia = Participant.objects.get(email="lucia@example.org")
    assert (lucia.first_name, lucia.university) == ("Lucía", "Université Lyon 2")
