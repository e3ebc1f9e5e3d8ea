"""Hypothesis strategies and independent reference solvers for the engine tests."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from wagtail_buddy.matching import SCALE, Mentee, Mentor

LANGS = ["en", "de", "fr"]
INTERESTS = ["hiking", "chess", "party", "music", "food"]
GENDERS = ["", "female", "male"]
UNIS = ["", "TUM", "LMU"]
COUNTRIES = ["", "ES", "IT"]
D0 = dt.date(2026, 9, 1)

subsets = st.frozensets


def _date(draw, lo: int, hi: int):
    return D0 + dt.timedelta(days=draw(st.integers(lo, hi)))


@st.composite
def common(draw, prefix: str, k: int) -> dict:
    return dict(
        id=f"{prefix}{k}",
        gender=draw(st.sampled_from(GENDERS)),
        gender_preference=draw(st.sampled_from(["any", "any", "any", "same"])),
        languages=draw(subsets(st.sampled_from(LANGS), max_size=3)),
        interests=draw(subsets(st.sampled_from(INTERESTS), max_size=4)),
        university=draw(st.sampled_from(UNIS)),
        faculty=draw(st.sampled_from(["", "cs", "law"])),
        birth_year=draw(st.one_of(st.none(), st.integers(1998, 2004))),
    )


@st.composite
def mentees_st(draw, n: int) -> list[Mentee]:
    out = []
    for k in range(n):
        c = draw(common("m", k))
        arrival = _date(draw, 0, 6) if draw(st.booleans()) else None
        out.append(Mentee(**c, nationality=draw(st.sampled_from(COUNTRIES)), arrival=arrival))
    return out


@st.composite
def mentors_st(draw, n: int) -> list[Mentor]:
    out = []
    for k in range(n):
        c = draw(common("t", k))
        frm = _date(draw, -2, 4) if draw(st.booleans()) else None
        until = None
        if draw(st.booleans()):
            until = _date(draw, 2, 8)
            if frm and until < frm:
                frm, until = until, frm
        out.append(
            Mentor(
                **c,
                capacity=draw(st.integers(1, 3)),
                available_from=frm,
                available_until=until,
                exchange_country=draw(st.sampled_from(COUNTRIES)),
            )
        )
    return out


@st.composite
def instances(draw, max_mentees: int = 8, max_mentors: int = 5):
    n = draw(st.integers(1, max_mentees))
    m = draw(st.integers(1, max_mentors))
    mentees = draw(mentees_st(n))
    mentors = draw(mentors_st(m))
    # Locks: distinct mentees, within capacity.
    load = {t.id: 0 for t in mentors}
    locked = []
    for mt in mentees:
        if draw(st.integers(0, 9)) == 0:
            t = draw(st.sampled_from(mentors))
            if load[t.id] < t.capacity:
                load[t.id] += 1
                locked.append((mt.id, t.id))
    locked_set = set(locked)
    forbidden = []
    for mt in mentees:
        for t in mentors:
            if (mt.id, t.id) not in locked_set and draw(st.integers(0, 11)) == 0:
                forbidden.append((mt.id, t.id))
    weights = draw(
        st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {},
                optional={
                    "languages": st.sampled_from([0.0, 1.0, 3.0]),
                    "interests": st.sampled_from([0.0, 0.5, 2.0]),
                    "university": st.sampled_from([0.0, 1.0, 1.25]),
                    "age": st.sampled_from([0.0, 1.0, -0.5]),
                    "same_gender": st.sampled_from([0.0, 2.0]),
                },
            ),
        )
    )
    spread = draw(st.sampled_from([False, False, True, 0.5]))
    return mentees, mentors, weights, locked, forbidden, spread


def slot_penalty_units(spread) -> int:
    from wagtail_buddy.matching.engine import SPREAD_STEP

    step = SPREAD_STEP if spread is True else float(spread or 0.0)
    return int(round(step * SCALE))


def reference_lsa(scores, feasible, mentees, mentors, locked, spread):
    """Dense linear_sum_assignment over capacity-expanded slots (independent exact method).

    Returns (matched count, total score units - spread penalty units) of the optimum,
    locked pairs included."""
    units = np.rint(scores * SCALE).astype(np.int64)
    mi = {m.id: i for i, m in enumerate(mentees)}
    ti = {t.id: j for j, t in enumerate(mentors)}
    step = slot_penalty_units(spread)
    base = np.zeros(len(mentors), np.int64)
    locked_rows = set()
    fixed = 0
    for a, b in locked:
        fixed += units[mi[a], ti[b]] - base[ti[b]] * step
        base[ti[b]] += 1
        locked_rows.add(mi[a])
    rows = [i for i in range(len(mentees)) if i not in locked_rows]
    slots = [(j, k) for j, t in enumerate(mentors) for k in range(base[j], t.capacity)]
    n = len(rows)
    if n == 0:
        return len(locked), int(fixed)
    big = 10**9
    w = np.full((n, len(slots) + n), -(10**15), np.int64)
    for r, i in enumerate(rows):
        w[r, len(slots) + r] = 0
        for c, (j, k) in enumerate(slots):
            if feasible[i, j]:
                w[r, c] = units[i, j] + big - k * step
    ri, ci = linear_sum_assignment(w, maximize=True)
    val = w[ri, ci]
    matched = int((ci < len(slots)).sum())
    total = int(val[ci < len(slots)].sum()) - matched * big
    return matched + len(locked), total + int(fixed)


def reference_brute(scores, feasible, mentees, mentors, locked, spread, limit=20000):
    """Enumerate every assignment (tiny instances only). None if too large."""
    units = np.rint(scores * SCALE).astype(np.int64)
    step = slot_penalty_units(spread)
    mi = {m.id: i for i, m in enumerate(mentees)}
    ti = {t.id: j for j, t in enumerate(mentors)}
    lock = {mi[a]: ti[b] for a, b in locked}
    choices = []
    for i in range(len(mentees)):
        if i in lock:
            choices.append([lock[i]])
        else:
            choices.append([None] + [j for j in range(len(mentors)) if feasible[i, j]])
    size = 1
    for c in choices:
        size *= len(c)
    if size > limit:
        return None
    cap = [t.capacity for t in mentors]
    best = None
    for combo in itertools.product(*choices):
        load = [0] * len(mentors)
        ok = True
        total = 0
        for i, j in enumerate(combo):
            if j is None:
                continue
            total += units[i, j] - load[j] * step
            load[j] += 1
            if load[j] > cap[j]:
                ok = False
                break
        if not ok:
            continue
        key = (sum(j is not None for j in combo), int(total))
        if best is None or key > best:
            best = key
    return best
