"""``buddy-match``: the engine on JSON files, without Django.

    buddy-match solve INPUT.json [-o OUTPUT.json] [--spread-load] [--progress] [--timings]
    buddy-match scores INPUT.json [-o OUTPUT.json|.csv] [--format json|csv]

``-`` reads standard input. Malformed input exits with status 2 and one line naming the
record and field (never a traceback).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
import time
from collections.abc import Sequence
from typing import Any

from .engine import score_matrix, solve
from .profiles import InputError, parse_problem

EXIT_INPUT = 2


def _read(path: str) -> Any:
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
    except OSError as exc:
        raise InputError(f"{path}: cannot read input ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: input is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


def _write(text: str, out: str | None) -> None:
    if out in (None, "-"):
        sys.stdout.write(text)
        if not text.endswith("\n"):
            sys.stdout.write("\n")
        return
    with open(out, "w", encoding="utf-8") as fh:
        fh.write(text)


def _progress(phase: str, frac: float) -> None:
    print(f"buddy-match: {phase} {frac:4.0%}", file=sys.stderr, flush=True)


def cmd_solve(args: argparse.Namespace) -> int:
    t_read = time.perf_counter()
    problem = parse_problem(_read(args.input))
    t_solve = time.perf_counter()
    result = solve(
        problem.mentees,
        problem.mentors,
        weights=problem.weights,
        locked=problem.locked,
        forbidden=problem.forbidden,
        spread_load=args.spread_load,
        progress=_progress if args.progress else None,
    )
    t_write = time.perf_counter()
    doc = result.to_dict()
    _write(json.dumps(doc, indent=None if args.compact else 1, ensure_ascii=False), args.output)
    if args.timings:
        seconds = {"read_s": t_solve - t_read, "solve_s": t_write - t_solve,
                   "write_s": time.perf_counter() - t_write}
        print(f"buddy-match: timings {json.dumps(seconds)}", file=sys.stderr)
    return 0


def cmd_scores(args: argparse.Namespace) -> int:
    problem = parse_problem(_read(args.input))
    scores, feasible = score_matrix(
        problem.mentees, problem.mentors, weights=problem.weights, forbidden=problem.forbidden,
        locked=problem.locked,
    )
    mentee_ids = [m.id for m in problem.mentees]
    mentor_ids = [t.id for t in problem.mentors]
    fmt = args.format or ("csv" if (args.output or "").endswith(".csv") else "json")
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["mentee", *mentor_ids])
        for i, mid in enumerate(mentee_ids):
            cells = zip(scores[i], feasible[i], strict=True)
            w.writerow([mid, *(repr(float(s)) if f else "" for s, f in cells)])
        _write(buf.getvalue(), args.output)
        return 0
    rows = [
        [float(s) if f and math.isfinite(s) else None for s, f in zip(r, fr, strict=True)]
        for r, fr in zip(scores.tolist(), feasible.tolist(), strict=True)
    ]
    doc = {"mentees": mentee_ids, "mentors": mentor_ids, "scores": rows}
    _write(json.dumps(doc, ensure_ascii=False), args.output)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="buddy-match",
        description="Exact, explainable buddy matching (wagtail-buddy engine).",
    )
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("solve", help="optimal assignment as JSON")
    s.add_argument("input", help="input JSON file ('-' for standard input)")
    s.add_argument("-o", "--output", help="output file (default: standard output)")
    s.add_argument("--spread-load", action="store_true",
                   help="make a mentor's further slots slightly less attractive")
    s.add_argument("--progress", action="store_true", help="print progress to stderr")
    s.add_argument("--compact", action="store_true", help="no indentation in the output")
    s.add_argument("--timings", action="store_true",
                   help="print the seconds spent reading, solving and writing to stderr")
    s.set_defaults(func=cmd_solve)
    c = sub.add_parser("scores", help="full mentee x mentor score matrix (small inputs)")
    c.add_argument("input", help="input JSON file ('-' for standard input)")
    c.add_argument("-o", "--output", help="output file (default: standard output)")
    c.add_argument("--format", choices=("json", "csv"), help="default: from -o, else json")
    c.set_defaults(func=cmd_scores)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        print(f"buddy-match: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:
        print(f"buddy-match: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("buddy-match: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
