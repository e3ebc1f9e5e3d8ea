"""Benchmark of the matching engine against a greedy pass and dense linear_sum_assignment.

    python benchmarks/bench_engine.py [--sizes 1000 5000 10000 20000 50000] [--no-dense]
                                      [--dense-max 10000] [--cli-size 10000] [--seed 7]

Every measurement runs in a fresh subprocess (peak memory = its ru_maxrss, which includes
the synthetic data); prints a Markdown table. Data: ``wagtail_buddy.matching.synth`` with
mentors = 0.6 x mentees, capacities 1-3 (deterministic seed).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wagtail_buddy.matching import SCALE, solve  # noqa: E402
from wagtail_buddy.matching.criteria import ScoreModel, resolve_weights  # noqa: E402
from wagtail_buddy.matching.encoding import encode  # noqa: E402
from wagtail_buddy.matching.synth import generate, to_json  # noqa: E402

GREEDY_K = 30  # candidates per mentee the greedy pass considers


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _blocks(model: ScoreModel, n: int, m: int):
    size = max(1, (1 << 21) // max(m, 1))
    for s in range(0, n, size):
        rows = np.arange(s, min(n, s + size))
        total, feas = model.block(rows)
        yield rows, total, feas


def greedy(mentees, mentors) -> tuple[int, int, float]:
    """Sort feasible pairs by score (best first) and take each while both sides are free.

    For memory, each mentee contributes its GREEDY_K best feasible pairs (a greedy pass
    reaches deeper into a list only after those mentors are full, which is rare)."""
    t = time.perf_counter()
    enc = encode(mentees, mentors)
    model = ScoreModel(enc, resolve_weights(None))
    n, m = len(mentees), len(mentors)
    rs, cs, ss = [], [], []
    k = min(GREEDY_K, m)
    for rows, total, feas in _blocks(model, n, m):
        keys = np.where(feas, total, -np.inf)
        part = np.argpartition(keys, m - k, axis=1)[:, m - k:]
        pk = np.take_along_axis(keys, part, axis=1)
        ok = pk > -np.inf
        rs.append(np.repeat(rows, ok.sum(axis=1)))
        cs.append(part[ok])
        ss.append(pk[ok].astype(np.int64))
    r, c, s = np.concatenate(rs), np.concatenate(cs), np.concatenate(ss)
    order = np.lexsort((c, r, -s))
    cap = np.array([x.capacity for x in mentors])
    taken = np.zeros(n, bool)
    matched = 0
    total_units = 0
    for e in order.tolist():  # the greedy scan itself is inherently sequential
        i, j = r[e], c[e]
        if not taken[i] and cap[j] > 0:
            taken[i] = True
            cap[j] -= 1
            matched += 1
            total_units += int(s[e])
    return matched, total_units, time.perf_counter() - t


def dense_lsa(mentees, mentors) -> tuple[int, int, float]:
    """The straightforward way: dense linear_sum_assignment over capacity-expanded slots."""
    from scipy.optimize import linear_sum_assignment

    t = time.perf_counter()
    enc = encode(mentees, mentors)
    W = resolve_weights(None)
    model = ScoreModel(enc, W)
    n, m = len(mentees), len(mentors)
    cap = np.array([x.capacity for x in mentors])
    slot_owner = np.repeat(np.arange(m), cap)
    big = float(n * 10 * SCALE * len(W))
    mat = np.zeros((n, len(slot_owner)), np.float64)
    for rows, total, feas in _blocks(model, n, m):
        val = np.where(feas, total.astype(np.float64) + big, 0.0)
        mat[rows] = val[:, slot_owner]
    ri, ci = linear_sum_assignment(mat, maximize=True)
    v = mat[ri, ci]
    ok = v > 0
    return int(ok.sum()), int(round(v[ok].sum() - big * ok.sum())), time.perf_counter() - t


def worker(kind: str, n: int, seed: int) -> dict:
    mentees, mentors = generate(n, seed=seed)
    out: dict = {"n": n, "m": len(mentors), "slots": int(sum(t.capacity for t in mentors))}
    if kind == "engine":
        t = time.perf_counter()
        res = solve(mentees, mentors)
        out["engine_s"] = time.perf_counter() - t
        out["matched"] = len(res.pairs)
        out["units"] = int(round(res.total_score * SCALE))
        out["rounds"] = res.stats["certificate"]["rounds"]
        out["peak_mib"] = peak_mib()
    elif kind == "greedy":
        out["greedy_matched"], out["greedy_units"], out["greedy_s"] = greedy(mentees, mentors)
    elif kind == "dense":
        out["dense_matched"], out["dense_units"], out["dense_s"] = dense_lsa(mentees, mentors)
        out["dense_peak_mib"] = peak_mib()
    elif kind == "cli":
        with tempfile.TemporaryDirectory() as d:
            inp, outp = Path(d) / "in.json", Path(d) / "out.json"
            inp.write_text(json.dumps(to_json(mentees, mentors)))
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "wagtail_buddy.matching", "solve", str(inp), "-o",
                 str(outp), "--compact"], check=True, cwd=ROOT,
            )
            out["cli_s"] = time.perf_counter() - t
            out["cli_peak_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return out


def run_sub(kind: str, n: int, seed: int) -> dict:
    r = subprocess.run(
        [sys.executable, __file__, "--worker", kind, str(n), "--seed", str(seed)],
        capture_output=True, text=True, cwd=ROOT,
    )
    if r.returncode != 0:
        print(r.stderr, file=sys.stderr)
        raise SystemExit(f"{kind} at {n} failed")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000, 20000, 50000])
    p.add_argument("--no-dense", action="store_true", help="skip the dense baseline")
    p.add_argument("--dense-max", type=int, default=10000)
    p.add_argument("--cli-size", type=int, default=10000,
                   help="also time `buddy-match solve` end to end at this size (if listed)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--worker", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker:
        print(json.dumps(worker(a.worker[0], int(a.worker[1]), a.seed)))
        return 0

    print(f"# engine benchmark ({os.cpu_count()} CPUs, seed {a.seed})", file=sys.stderr)
    rows = []
    for n in a.sizes:
        r = run_sub("engine", n, a.seed)
        r.update(run_sub("greedy", n, a.seed))
        if not a.no_dense and n <= a.dense_max:
            r.update(run_sub("dense", n, a.seed))
            if (r["dense_matched"], r["dense_units"]) != (r["matched"], r["units"]):
                raise SystemExit(f"engine and dense optimum differ at {n}: {r}")
        if n == a.cli_size:
            r.update(run_sub("cli", n, a.seed))
        rows.append(r)
        print(json.dumps(r), file=sys.stderr)

    def f(x, fmt="{:.1f}"):
        return "-" if x is None else fmt.format(x)

    print("| mentees | mentors | slots | matched | engine s | peak MiB | CLI s (JSON in/out)"
          " | greedy s | greedy matched | greedy % of optimum | dense LSA s | engine / dense |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        pct = 100.0 * r["greedy_units"] / r["units"] if r["units"] else 100.0
        ratio = r["engine_s"] / r["dense_s"] if r.get("dense_s") else None
        print(
            f"| {r['n']:,} | {r['m']:,} | {r['slots']:,} | {r['matched']:,} | "
            f"{f(r['engine_s'])} | {f(r['peak_mib'], '{:.0f}')} | {f(r.get('cli_s'))} | "
            f"{f(r['greedy_s'])} | {r['greedy_matched']:,} | {pct:.2f}% | "
            f"{f(r.get('dense_s'))} | {f(ratio, '{:.2f}')} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
