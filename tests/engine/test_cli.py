"""The ``buddy-match`` CLI as a subprocess (``python -m wagtail_buddy.matching``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wagtail_buddy.matching.synth import generate, to_json

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "wagtail_buddy.matching", *args],
        input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120,
    )


GOOD = {
    "mentors": [
        {"id": 1, "capacity": 2, "gender": "female", "languages": ["en", "de"],
         "interests": ["hiking"], "university": "TUM", "faculty": "CS", "birth_year": 2000,
         "available_from": "2026-09-01", "exchange_country": "ES", "favourite_colour": "red"},
        {"id": "t2", "languages": ["fr"]},
    ],
    "mentees": [
        {"id": 10, "gender": "female", "languages": ["en"], "interests": ["hiking"],
         "university": "TUM", "birth_year": 2001, "nationality": "ES", "arrival": "2026-09-03"},
        {"id": "m2", "languages": ["fr", "en"], "gender_preference": "same"},
        {"id": "m3", "languages": ["zh"]},
    ],
    "weights": {"interests": 3},
    "locked": [],
    "forbidden": [[10, "t2"]],
}


def test_solve_and_scores_agree(tmp_path):
    inp = tmp_path / "in.json"
    inp.write_text(json.dumps(GOOD))
    out = tmp_path / "out.json"
    r = run("solve", str(inp), "-o", str(out))
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    assert set(doc) == {"pairs", "unmatched", "optimal", "objective", "diagnostics"}
    pairs = {(p["mentee"], p["mentor"]): p for p in doc["pairs"]}
    assert set(pairs) == {("10", "1")}
    assert {u["mentee"]: u["reason"] for u in doc["unmatched"]} == {
        "m2": "no_feasible_mentor", "m3": "no_feasible_mentor"}
    r = run("scores", str(inp))
    assert r.returncode == 0, r.stderr
    sc = json.loads(r.stdout)
    assert sc["mentees"] == ["10", "m2", "m3"] and sc["mentors"] == ["1", "t2"]
    assert sc["scores"][0][1] is None  # forbidden
    assert sc["scores"][2] == [None, None]
    for (a, b), p in pairs.items():
        v = sc["scores"][sc["mentees"].index(a)][sc["mentors"].index(b)]
        assert v == p["score"]
        assert abs(sum(p["breakdown"].values()) - p["score"]) < 1e-9
    assert doc["objective"] == sum(p["score"] for p in doc["pairs"])
    assert doc["optimal"] is True
    # What each criterion found, documented in docs/engine.md ("Evidence").
    assert pairs[("10", "1")]["evidence"] == {
        "languages": ["en"], "interests": ["hiking"], "university": True, "faculty": None,
        "age": 1, "exchange_country": True, "arrival": 2, "same_gender": True,
    }


def test_stdin_stdout_and_csv(tmp_path):
    r = run("solve", "-", "--compact", stdin=json.dumps(GOOD))
    assert r.returncode == 0 and json.loads(r.stdout)["pairs"]
    out = tmp_path / "m.csv"
    r = run("scores", "-", "-o", str(out), stdin=json.dumps(GOOD))
    assert r.returncode == 0, r.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "mentee,1,t2" and lines[1].startswith("10,") and lines[1].endswith(",")


def test_progress_on_stderr(tmp_path):
    r = run("solve", "-", "--progress", "-o", str(tmp_path / "o.json"), stdin=json.dumps(GOOD))
    assert r.returncode == 0
    for phase in ("encoding", "scoring", "solving", "explaining"):
        assert phase in r.stderr


def test_synthetic_roundtrip(tmp_path):
    mentees, mentors = generate(150, seed=3)
    inp = tmp_path / "in.json"
    inp.write_text(json.dumps(to_json(mentees, mentors)))
    r = run("solve", str(inp), "-o", str(tmp_path / "o.json"))
    assert r.returncode == 0, r.stderr
    doc = json.loads((tmp_path / "o.json").read_text())
    assert len(doc["pairs"]) + len(doc["unmatched"]) == 150
    assert doc["optimal"] is True
    assert doc["diagnostics"]["certificate"]["rounds"] >= 1


BAD = [
    ("duplicate mentee", lambda d: d["mentees"].append({"id": "m2"}), ["mentees[3]", "duplicate"]),
    ("duplicate mentor", lambda d: d["mentors"].append({"id": 1}), ["mentors[2]", "duplicate"]),
    ("capacity 0", lambda d: d["mentors"][0].update(capacity=0), ["mentors[0]", "capacity"]),
    ("capacity text", lambda d: d["mentors"][0].update(capacity="two"), ["mentors[0]", "capacity"]),
    ("bad date", lambda d: d["mentees"][0].update(arrival="2026-02-30"),
     ["mentees[0]", "arrival"]),
    ("bad date format", lambda d: d["mentors"][0].update(available_from="01/09/2026"),
     ["mentors[0]", "available_from"]),
    ("unknown locked mentee", lambda d: d.update(locked=[["nobody", 1]]),
     ["locked[0]", "nobody"]),
    ("unknown forbidden mentor", lambda d: d.update(forbidden=[["m2", "ghost"]]),
     ["forbidden[0]", "ghost"]),
    ("missing id", lambda d: d["mentees"][1].pop("id"), ["mentees[1]", "id"]),
    ("languages not a list", lambda d: d["mentees"][1].update(languages=5),
     ["mentees[1]", "languages"]),
    ("bad preference", lambda d: d["mentors"][1].update(gender_preference="x"),
     ["mentors[1]", "gender_preference"]),
    ("bad weight", lambda d: d.update(weights={"age": "high"}), ["weights", "age"]),
    ("unknown weight", lambda d: d.update(weights={"height": 1}), ["weights", "height"]),
    ("lock over capacity", lambda d: d.update(locked=[["10", "t2"], ["m2", "t2"]]),
     ["locked[1]", "t2"]),
]


CASES = [("solve", *b) for b in BAD] + [("scores", *b) for b in BAD[:3]]


@pytest.mark.parametrize("command, name, mutate, needles", CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_malformed_input(command, name, mutate, needles):
    doc = json.loads(json.dumps(GOOD))
    mutate(doc)
    r = run(command, "-", stdin=json.dumps(doc))
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    for n in needles:
        assert n in r.stderr, (n, r.stderr)
    assert r.stdout == ""


@pytest.mark.parametrize(
    "text, needle",
    [("{not json", "invalid JSON"), ("[1, 2]", "JSON object"), ('{"mentors": 3}', "mentors")],
)
def test_unparseable_input(text, needle):
    r = run("solve", "-", stdin=text)
    assert r.returncode == 2 and needle in r.stderr and "Traceback" not in r.stderr


def test_missing_file():
    r = run("solve", "/nonexistent/in.json")
    assert r.returncode != 0 and "/nonexistent/in.json" in r.stderr
    assert "Traceback" not in r.stderr
