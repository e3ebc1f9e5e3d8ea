"""Benchmark intakes written independently of ``wagtail_buddy.matching.synth``.

``synth`` is the engine's own generator (its tests and first benchmark use it); an engine
tuned on one generator can be fast only there. These families are drawn differently, in
numpy arrays and straight into the CLI's JSON document:

* ``congested``: buddy places barely cover the students (0.6 buddies per student,
  capacities 1-3 with mean 1.6, so 0.96 places per student), arrivals in two waves plus
  stragglers while most buddies give an availability window of two to seven weeks (many
  arrivals fall outside it), 15-20 % asking for the same gender, a local language most
  students lack, and skewed languages and interests (Erasmus flows, a few hobbies everyone
  lists);
* ``locked``: the congested intake with many coordinator decisions: 6 % of the students
  locked to a buddy (capacities respected; a lock may break a rule) and about 1.5 forbidden
  pairs per student, aimed at buddies who share a language with the student (pairs that
  would otherwise score).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

FAMILIES = ("default", "congested", "locked")

LOCAL = "it"  # the section's language
# Erasmus-like flows: shares of the mentees' first language (the rest is a long tail).
FIRST = {"es": 0.22, "de": 0.16, "fr": 0.15, "pl": 0.07, "pt": 0.06, "nl": 0.05, "tr": 0.05,
         "cs": 0.03, "el": 0.03, "ro": 0.03, "hu": 0.02, "sv": 0.02, "fi": 0.02, "zh": 0.03,
         "ar": 0.02, "ru": 0.02, "uk": 0.02}
TAIL = ["da", "no", "lt", "lv", "et", "sk", "sl", "hr", "bg", "ja", "ko", "hi", "fa", "he"]
COUNTRY = {"es": "ES", "de": "DE", "fr": "FR", "pl": "PL", "pt": "PT", "nl": "NL", "tr": "TR",
           "cs": "CZ", "el": "GR", "ro": "RO", "hu": "HU", "sv": "SE", "fi": "FI", "zh": "CN",
           "ar": "MA", "ru": "KZ", "uk": "UA", "da": "DK", "no": "NO", "lt": "LT", "lv": "LV",
           "et": "EE", "sk": "SK", "sl": "SI", "hr": "HR", "bg": "BG", "ja": "JP", "ko": "KR",
           "hi": "IN", "fa": "IR", "he": "IL"}
N_INTERESTS = 60
UNIVERSITIES = ["unimi", "polimi", "bocconi", "unimib"]
N_FACULTIES = 24
DAY0 = dt.date(2027, 2, 1)


def _langs_and_weights() -> tuple[list[str], np.ndarray]:
    langs = list(FIRST) + TAIL
    w = np.array(list(FIRST.values()) + [0.06 / len(TAIL)] * len(TAIL))
    return langs, w / w.sum()


def _interests(rng: np.random.Generator, n: int, lo: int, hi: int) -> list[list[str]]:
    """A few hobbies everyone lists (travel, parties), a long tail of rare ones."""
    pop = rng.lognormal(0.0, 1.2, N_INTERESTS)
    pop[:4] *= 6
    pop /= pop.sum()
    counts = rng.integers(lo, hi + 1, n)
    # Gumbel top-k: k distinct interests per person, drawn by popularity.
    keys = np.log(pop)[None, :] - np.log(-np.log(rng.random((n, N_INTERESTS))))
    order = np.argsort(-keys, axis=1)
    return [[f"hobby-{x:02d}" for x in order[i, : counts[i]]] for i in range(n)]


def _gender(rng: np.random.Generator, n: int, same_share: float):
    g = rng.choice(np.array(["female", "male", "diverse", ""]), n, p=[0.58, 0.39, 0.01, 0.02])
    pref = np.where(rng.random(n) < same_share, "same", "any")
    return g, pref


def _iso(day: int | None) -> str | None:
    return None if day is None else (DAY0 + dt.timedelta(days=int(day))).isoformat()


def _mentees(rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    langs, w = _langs_and_weights()
    first = rng.choice(len(langs), n, p=w)
    english = rng.random(n) < 0.82
    local = rng.random(n) < 0.25
    second = rng.random(n) < 0.2
    other = rng.choice(len(langs), n, p=w)
    # Two waves (before each half of the semester) and stragglers; 5 % unknown.
    wave = rng.random(n)
    arrival = np.where(wave < 0.55, rng.normal(12, 4, n),
                       np.where(wave < 0.85, rng.normal(40, 6, n), rng.uniform(0, 70, n)))
    arrival = np.clip(np.round(arrival), 0, 70).astype(int)
    known = rng.random(n) < 0.95
    gender, pref = _gender(rng, n, 0.19)
    interests = _interests(rng, n, 3, 8)
    uni = rng.choice(len(UNIVERSITIES), n, p=[0.45, 0.3, 0.15, 0.1])
    fac = rng.zipf(1.6, n) % N_FACULTIES
    birth = np.clip(np.round(rng.normal(2003, 1.8, n)), 1990, 2008).astype(int)
    out = []
    for i in range(n):
        ls = {langs[first[i]]}
        if english[i]:
            ls.add("en")
        if local[i]:
            ls.add(LOCAL)
        if second[i]:
            ls.add(langs[other[i]])
        out.append({
            "id": f"s{i}", "gender": str(gender[i]), "gender_preference": str(pref[i]),
            "languages": sorted(ls), "interests": interests[i],
            "university": UNIVERSITIES[uni[i]] if rng.random() < 0.98 else "",
            "faculty": f"faculty-{fac[i]:02d}" if rng.random() < 0.9 else "",
            "birth_year": int(birth[i]) if rng.random() < 0.97 else None,
            "nationality": COUNTRY[langs[first[i]]],
            "arrival": _iso(arrival[i]) if known[i] else None,
        })
    return out


def _mentors(rng: np.random.Generator, m: int) -> list[dict[str, Any]]:
    langs, w = _langs_and_weights()
    english = rng.random(m) < 0.9
    n_foreign = rng.choice([0, 1, 2], m, p=[0.35, 0.45, 0.2])
    # Buddies learnt the big languages: a flatter, Western-European skew.
    fw = w ** 1.5
    fw /= fw.sum()
    foreign = rng.choice(len(langs), (m, 2), p=fw)
    # Availability: 85 % give a window that starts somewhere in the semester and lasts two
    # to seven weeks (exams, their own exchange); a quarter give no end date.
    window = rng.random(m) < 0.85
    start = rng.integers(-10, 45, m)
    length = rng.integers(14, 50, m)
    open_end = rng.random(m) < 0.25
    gender, pref = _gender(rng, m, 0.16)
    interests = _interests(rng, m, 3, 8)
    uni = rng.choice(len(UNIVERSITIES), m, p=[0.4, 0.3, 0.2, 0.1])
    fac = rng.zipf(1.6, m) % N_FACULTIES
    birth = np.clip(np.round(rng.normal(2001, 2.0, m)), 1990, 2008).astype(int)
    cap = rng.choice([1, 2, 3], m, p=[0.55, 0.3, 0.15])  # mean 1.6
    exchange = rng.random(m) < 0.5
    xc = rng.choice(len(langs), m, p=w)
    out = []
    for j in range(m):
        ls = {LOCAL, *(langs[x] for x in foreign[j, : n_foreign[j]])}
        if english[j]:
            ls.add("en")
        out.append({
            "id": f"b{j}", "gender": str(gender[j]), "gender_preference": str(pref[j]),
            "languages": sorted(ls), "interests": interests[j],
            "university": UNIVERSITIES[uni[j]],
            "faculty": f"faculty-{fac[j]:02d}" if rng.random() < 0.95 else "",
            "birth_year": int(birth[j]),
            "capacity": int(cap[j]),
            "available_from": _iso(start[j]) if window[j] else None,
            "available_until": (_iso(start[j] + length[j])
                                if window[j] and not open_end[j] else None),
            "exchange_country": COUNTRY[langs[xc[j]]] if exchange[j] else "",
        })
    return out


def _coordinator_decisions(rng: np.random.Generator, doc: dict[str, Any]) -> None:
    """Locks (capacity respected, rules not checked: coordinators may overrule) and
    forbidden pairs aimed at buddies sharing a language with the student."""
    mentees, mentors = doc["mentees"], doc["mentors"]
    n, m = len(mentees), len(mentors)
    cap = np.array([b["capacity"] for b in mentors])
    n_lock = int(0.06 * n)
    who = rng.choice(n, n_lock, replace=False)
    slots = np.repeat(np.arange(m), cap)
    to = rng.choice(slots, n_lock, replace=False)
    doc["locked"] = [[mentees[i]["id"], mentors[j]["id"]] for i, j in zip(who, to, strict=True)]
    locked = set(map(tuple, doc["locked"]))
    by_lang: dict[str, list[int]] = {}
    for j, b in enumerate(mentors):
        for lang in b["languages"]:
            if lang != "en":
                by_lang.setdefault(lang, []).append(j)
    pool = {k: np.array(v) for k, v in by_lang.items()}
    forbidden = set()
    for i in rng.choice(n, int(0.5 * n), replace=False):
        own = [x for x in mentees[i]["languages"] if x in pool and x != "en"]
        lang = own[int(rng.integers(len(own)))] if own else LOCAL
        for j in rng.choice(pool[lang], int(rng.integers(1, 6))):
            pair = (mentees[i]["id"], mentors[int(j)]["id"])
            if pair not in locked:
                forbidden.add(pair)
    doc["forbidden"] = sorted(map(list, forbidden))


def generate_document(family: str, n_mentees: int, seed: int = 7) -> dict[str, Any]:
    """The CLI's input document for ``family`` (not ``default``, which is ``synth``'s)."""
    if family not in ("congested", "locked"):
        raise ValueError(f"unknown family {family!r}")
    rng = np.random.default_rng([seed, 24])
    m = max(1, int(round(0.6 * n_mentees)))
    doc: dict[str, Any] = {"mentors": _mentors(rng, m), "mentees": _mentees(rng, n_mentees)}
    if family == "locked":
        _coordinator_decisions(rng, doc)
    return doc
