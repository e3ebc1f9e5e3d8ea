"""Benchmark of the matching engine: `buddy-match solve` end to end, per phase, against a
greedy pass, dense linear_sum_assignment and the former OR-Tools engine.

    python benchmarks/bench_engine.py [--family default congested locked] [--sizes 1000 10000 50000]
                                      [--dense-max 10000] [--ortools-rev 89e312f]
                                      [--install] [--seed 7]

Every measurement runs in a fresh subprocess; prints Markdown tables. The engine is timed
through the CLI on a JSON file (what a site's task or a script does), so JSON reading and
writing are included; the phases come from the result's diagnostics. The OR-Tools column
runs the engine as of git revision ``--ortools-rev`` (exported with ``git archive``; needs
``pip install -e '.[bench-ortools]'``, else it is skipped). ``--install`` appends the
install weight (benchmarks/bench_install.py). Families of intakes (``--family``, all by
default; one table each): ``default`` is ``wagtail_buddy.matching.synth`` (mentors = 0.6 x
mentees, capacities 1-3); ``congested`` and ``locked`` come from benchmarks/intakes.py, a
generator written independently of the engine's (places barely cover the students; locked
and forbidden pairs). Deterministic seeds.
"""

from __future__ import annotations

import argparse
import importlib.util
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

from wagtail_buddy.matching import SCALE  # noqa: E402
from wagtail_buddy.matching.criteria import resolve_weights  # noqa: E402
from wagtail_buddy.matching.encoding import encode  # noqa: E402
from wagtail_buddy.matching.profiles import parse_problem  # noqa: E402
from wagtail_buddy.matching.scoring import ScoreModel  # noqa: E402
from wagtail_buddy.matching.synth import generate, to_json  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from intakes import FAMILIES, generate_document  # noqa: E402

GREEDY_K = 30  # candidates per mentee the greedy pass considers


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _blocks(model: ScoreModel, n: int, m: int):
    size = max(1, (1 << 21) // max(m, 1))
    for s in range(0, n, size):
        rows = np.arange(s, min(n, s + size))
        total, feas = model.block(rows)
        yield rows, total, feas


class Decisions:
    """The coordinators' locked and forbidden pairs as encoded indices, for the baselines:
    locked mentees are taken out with their scores, their mentors' capacity reduced."""

    def __init__(self, problem, enc, model: ScoreModel):
        mi = {x: i for i, x in enumerate(enc.mentees.ids)}
        ti = {x: j for j, x in enumerate(enc.mentors.ids)}
        m = len(ti)
        lr = np.array([mi[a] for a, _ in problem.locked], np.int64)
        lc = np.array([ti[b] for _, b in problem.locked], np.int64)
        self.locked_rows, self.locked_units = lr, (
            int(model.pairs(lr, lc)[0].sum()) if len(lr) else 0)
        self.cap = np.array([x.capacity for x in problem.mentors], np.int64) - np.bincount(
            lc, minlength=m)
        fr = np.array([mi[a] for a, _ in problem.forbidden], np.int64)
        fc = np.array([ti[b] for _, b in problem.forbidden], np.int64)
        self.forbidden = np.unique(fr * m + fc)
        self.m = m

    def clear(self, rows: np.ndarray, feas: np.ndarray) -> np.ndarray:
        lo, hi = int(rows[0]) * self.m, (int(rows[-1]) + 1) * self.m
        keys = self.forbidden[np.searchsorted(self.forbidden, lo):
                              np.searchsorted(self.forbidden, hi)]
        if len(keys):
            r, c = np.divmod(keys, self.m)
            feas = feas.copy()
            feas[r - int(rows[0]), c] = False
        locked = np.isin(rows, self.locked_rows)
        if locked.any():
            feas = feas & ~locked[:, None]
        return feas


def _model(problem):
    enc = encode(problem.mentees, problem.mentors)
    model = ScoreModel(enc, resolve_weights(problem.weights))
    return model, Decisions(problem, enc, model)


def greedy(problem) -> tuple[int, int, float]:
    """Sort feasible pairs by score (best first) and take each while both sides are free.

    For memory, each mentee contributes its GREEDY_K best feasible pairs (a greedy pass
    reaches deeper into a list only after those mentors are full, which is rare)."""
    t = time.perf_counter()
    model, dec = _model(problem)
    n, m = len(problem.mentees), len(problem.mentors)
    rs, cs, ss = [], [], []
    k = min(GREEDY_K, m)
    for rows, total, feas in _blocks(model, n, m):
        keys = np.where(dec.clear(rows, feas), total, -np.inf)
        part = np.argpartition(keys, m - k, axis=1)[:, m - k:]
        pk = np.take_along_axis(keys, part, axis=1)
        ok = pk > -np.inf
        rs.append(np.repeat(rows, ok.sum(axis=1)))
        cs.append(part[ok])
        ss.append(pk[ok].astype(np.int64))
    r, c, s = np.concatenate(rs), np.concatenate(cs), np.concatenate(ss)
    order = np.lexsort((c, r, -s))
    cap = dec.cap.copy()
    taken = np.zeros(n, bool)
    matched = len(dec.locked_rows)
    total_units = dec.locked_units
    for e in order.tolist():  # the greedy scan itself is inherently sequential
        i, j = r[e], c[e]
        if not taken[i] and cap[j] > 0:
            taken[i] = True
            cap[j] -= 1
            matched += 1
            total_units += int(s[e])
    return matched, total_units, time.perf_counter() - t


def dense_lsa(problem) -> tuple[int, int, float]:
    """The straightforward way: dense linear_sum_assignment over capacity-expanded slots."""
    from scipy.optimize import linear_sum_assignment

    t = time.perf_counter()
    model, dec = _model(problem)
    n, m = len(problem.mentees), len(problem.mentors)
    slot_owner = np.repeat(np.arange(m), dec.cap)
    big = float(n * 10 * SCALE * len(model.weights))
    mat = np.zeros((n, len(slot_owner)), np.float64)
    for rows, total, feas in _blocks(model, n, m):
        val = np.where(dec.clear(rows, feas), total.astype(np.float64) + big, 0.0)
        mat[rows] = val[:, slot_owner]
    ri, ci = linear_sum_assignment(mat, maximize=True)
    v = mat[ri, ci]
    ok = v > 0
    return (int(ok.sum()) + len(dec.locked_rows),
            int(round(v[ok].sum() - big * ok.sum())) + dec.locked_units,
            time.perf_counter() - t)


def document(family: str, n: int, seed: int) -> dict:
    """The CLI's input document of an intake of ``family``."""
    if family == "default":
        return to_json(*generate(n, seed=seed))
    return generate_document(family, n, seed)


def _cli(family: str, n: int, seed: int) -> dict:
    """`buddy-match solve` on a JSON file: wall and CPU time, peak and the diagnostics."""
    doc = document(family, n, seed)
    out: dict = {"n": n, "m": len(doc["mentors"]),
                 "slots": int(sum(t["capacity"] for t in doc["mentors"])),
                 "locked": len(doc.get("locked", [])),
                 "forbidden": len(doc.get("forbidden", []))}
    with tempfile.TemporaryDirectory() as d:
        inp, outp = Path(d) / "in.json", Path(d) / "out.json"
        inp.write_text(json.dumps(doc))
        del doc
        t = time.perf_counter()
        r = subprocess.run(
            [sys.executable, "-m", "wagtail_buddy.matching", "solve", str(inp), "-o",
             str(outp), "--compact", "--timings"], check=True, cwd=ROOT, capture_output=True,
            text=True,
        )
        out["cli_s"] = time.perf_counter() - t
        child = resource.getrusage(resource.RUSAGE_CHILDREN)
        out["cli_peak_mib"] = child.ru_maxrss / 1024
        out["cli_cpu_s"] = child.ru_utime + child.ru_stime  # all threads, whatever the load
        io = json.loads(r.stderr.split("buddy-match: timings ", 1)[1].splitlines()[0])
        doc = json.loads(outp.read_text())
    d = doc["diagnostics"]
    rounds = d["certificate"]["detail"]
    out.update(
        matched=len(doc["pairs"]),
        units=int(round(doc["objective"] * SCALE)),
        engine_s=d["timings"]["total"],
        read_s=io["read_s"],
        write_s=io["write_s"],
        encoding_s=d["timings"]["encoding"],
        scoring_s=d["timings"]["scoring"],
        score_thread_s=d["scoring_detail"]["score_thread_s"],
        prune_thread_s=d["scoring_detail"]["prune_thread_s"],
        certificate_s=d["timings"]["solving"],
        rounds=len(rounds),
        auction_s=sum(x["auction_seconds"] for x in rounds),
        lap_s=sum(x["lap_seconds"] for x in rounds),
        duals_s=sum(x["solve_seconds"] - x["lap_seconds"] - x["auction_seconds"]
                    for x in rounds),
        rescoring_s=sum(x["certify_seconds"] for x in rounds),
        explaining_s=d["timings"]["explaining"],
    )
    return out


def _ortools(n: int, seed: int, engine_path: str) -> dict:
    """The former engine (OR-Tools min-cost flow), imported from an exported revision."""
    sys.path.insert(0, engine_path)
    for name in [k for k in sys.modules if k.startswith("wagtail_buddy")]:
        del sys.modules[name]
    from wagtail_buddy.matching import solve as old_solve
    from wagtail_buddy.matching.synth import generate as old_generate

    assert Path(sys.modules["wagtail_buddy"].__file__).is_relative_to(engine_path)
    mentees, mentors = old_generate(n, seed=seed)
    t = time.perf_counter()
    res = old_solve(mentees, mentors)
    return {"ortools_s": time.perf_counter() - t, "ortools_matched": len(res.pairs),
            "ortools_units": int(round(res.total_score * SCALE)),
            "ortools_peak_mib": peak_mib()}


def worker(kind: str, family: str, n: int, seed: int, engine_path: str | None) -> dict:
    if kind == "cli":
        return _cli(family, n, seed)
    if kind == "ortools":
        return _ortools(n, seed, engine_path)
    problem = parse_problem(document(family, n, seed))
    if kind == "greedy":
        keys = ("greedy_matched", "greedy_units", "greedy_s")
        return dict(zip(keys, greedy(problem), strict=True))
    keys = ("dense_matched", "dense_units", "dense_s")
    out = dict(zip(keys, dense_lsa(problem), strict=True))
    out["dense_peak_mib"] = peak_mib()
    return out


def run_sub(kind: str, family: str, n: int, seed: int, engine_path: str | None = None) -> dict:
    cmd = [sys.executable, __file__, "--worker", kind, family, str(n), "--seed", str(seed)]
    if engine_path:
        cmd += ["--engine-path", engine_path]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if r.returncode != 0:
        print(r.stderr, file=sys.stderr)
        raise SystemExit(f"{kind} at {n} failed")
    return json.loads(r.stdout.strip().splitlines()[-1])


def median_run(kind: str, family: str, n: int, seed: int, reps: int, key: str,
               engine_path: str | None = None) -> dict:
    """The run with the median ``key`` of ``reps`` fresh runs (one when ``reps`` is 1)."""
    runs = sorted((run_sub(kind, family, n, seed, engine_path) for _ in range(reps)),
                  key=lambda r: r[key])
    return runs[len(runs) // 2]


def export_revision(rev: str, where: str) -> str | None:
    """The engine as of ``rev`` in ``where`` (None if OR-Tools is not installed)."""
    if importlib.util.find_spec("ortools") is None:
        print("# ortools not installed: OR-Tools comparison skipped", file=sys.stderr)
        return None
    archive = subprocess.run(["git", "archive", rev, "wagtail_buddy/__init__.py",
                              "wagtail_buddy/matching"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", where], input=archive, check=True)
    return where


def f(x, fmt="{:.1f}"):
    return "-" if x is None else fmt.format(x)


def print_tables(family: str, rows: list[dict]) -> None:
    decisions = ", ".join(f"{r['n']:,}: {r['locked']:,} locked, {r['forbidden']:,} forbidden"
                          for r in rows if r["locked"] or r["forbidden"])
    print(f"\n### Family `{family}`" + (f" ({decisions})" if decisions else "") + "\n")
    print("| mentees | mentors | slots | matched | `buddy-match solve` s | its CPU s | engine s"
          " | peak MiB"
          " | OR-Tools engine s | greedy matched | greedy % of optimum | dense LSA s"
          " | engine / dense |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        pct = 100.0 * r["greedy_units"] / r["units"] if r["units"] else 100.0
        ratio = r["engine_s"] / r["dense_s"] if r.get("dense_s") else None
        print(
            f"| {r['n']:,} | {r['m']:,} | {r['slots']:,} | {r['matched']:,} | "
            f"{f(r['cli_s'])} | {f(r.get('cli_cpu_s'))} | {f(r['engine_s'])} | "
            f"{f(r['cli_peak_mib'], '{:.0f}')} | "
            f"{f(r.get('ortools_s'))} | {r['greedy_matched']:,} | {pct:.2f}% | "
            f"{f(r.get('dense_s'))} | {f(ratio, '{:.2f}')} |"
        )
    print("\nWhere the time goes (seconds; products and top-k are summed over the scoring"
          " threads, one by default, whose matrix products use every core in BLAS):\n")
    print("| mentees | JSON read | encoding | scoring (products) | pruning (top-k) "
          "| scoring pass | rounds | auction (prices) | LAPJVsp | dual prices | rescoring "
          "| certificate loop | explanation | JSON write |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        cells = [r[k] for k in ("read_s", "encoding_s", "score_thread_s", "prune_thread_s",
                                "scoring_s")]
        tail = [r[k] for k in ("auction_s", "lap_s", "duals_s", "rescoring_s", "certificate_s",
                               "explaining_s", "write_s")]
        print(f"| {r['n']:,} | " + " | ".join(f(x) for x in cells) + f" | {r['rounds']} | "
              + " | ".join(f(x) for x in tail) + " |")


def measure(family: str, n: int, a: argparse.Namespace, old: str | None) -> dict:
    """One row: the engine (median of a few runs up to --repeat-max), greedy, and up to
    their limits the dense optimum and the OR-Tools engine, which must agree with it."""
    reps = a.repeat if n <= a.repeat_max else 1
    r = median_run("cli", family, n, a.seed, reps, "engine_s")
    r.update(run_sub("greedy", family, n, a.seed))
    if n <= a.dense_max:
        r.update(run_sub("dense", family, n, a.seed))
        if (r["dense_matched"], r["dense_units"]) != (r["matched"], r["units"]):
            raise SystemExit(f"{family}: engine and dense optimum differ at {n}: {r}")
    # The former engine reads only synth's intakes (it has its own generator).
    if old and family == "default" and n <= a.ortools_max:
        r.update(median_run("ortools", family, n, a.seed, reps, "ortools_s", old))
        if (r["ortools_matched"], r["ortools_units"]) != (r["matched"], r["units"]):
            raise SystemExit(f"engine and OR-Tools optimum differ at {n}: {r}")
    print(json.dumps({"family": family, **r}), file=sys.stderr)
    return r


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--family", nargs="+", choices=FAMILIES, default=list(FAMILIES),
                   help="intake families (default: all), one table each")
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    p.add_argument("--dense-max", type=int, default=10000, help="largest dense baseline")
    p.add_argument("--ortools-max", type=int, default=10000, help="largest OR-Tools run")
    p.add_argument("--ortools-rev", default="89e312f",
                   help="git revision of the former OR-Tools engine ('' to skip)")
    p.add_argument("--repeat", type=int, default=3,
                   help="runs of the engine and OR-Tools per size up to --repeat-max (median)")
    p.add_argument("--repeat-max", type=int, default=10000)
    p.add_argument("--install", action="store_true", help="also measure the install weight")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--worker", nargs=3, metavar=("KIND", "FAMILY", "N"), help=argparse.SUPPRESS)
    p.add_argument("--engine-path", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker:
        print(json.dumps(worker(a.worker[0], a.worker[1], int(a.worker[2]), a.seed,
                                a.engine_path)))
        return 0

    load = os.getloadavg()
    print(f"# {os.cpu_count()} CPUs, seed {a.seed}, load average {load[0]:.1f}",
          file=sys.stderr)
    tables = {}
    with tempfile.TemporaryDirectory() as tmp:
        old = export_revision(a.ortools_rev, tmp) if a.ortools_rev else None
        for family in a.family:
            tables[family] = [measure(family, n, a, old) for n in a.sizes]
    end = os.getloadavg()
    for family, rows in tables.items():
        print_tables(family, rows)
    print(f"\n{os.cpu_count()} CPUs; load average {load[0]:.1f} at the start, {end[0]:.1f}"
          f" at the end (1-minute). Up to {a.repeat_max:,} mentees the engine and OR-Tools"
          f" rows are the median of {a.repeat} runs each (all its columns from that run).")
    if a.install:
        print()
        extra = ["--extra", "bench-ortools"] if a.ortools_rev else []
        subprocess.run([sys.executable, str(ROOT / "benchmarks/bench_install.py"), *extra],
                       check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
