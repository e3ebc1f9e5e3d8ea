"""Install weight of wagtail-buddy on top of plain Wagtail: packages and MB of site-packages.

    python benchmarks/bench_install.py [--extra bench-ortools] [--keep]

Creates fresh virtual environments under /tmp: one with plain Wagtail, one with Wagtail and
this checkout (a regular, non-editable install), and one per ``--extra`` with that extra
too. Prints a Markdown table and the distributions each adds. Uses pip's cache; needs the
package registry.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _site_packages(env: Path) -> Path:
    return next((env / "lib").glob("python3*/site-packages"))


def _size_mb(path: Path) -> float:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            p = Path(dirpath) / name
            if not p.is_symlink():
                total += p.stat().st_size
    return total / 1e6


def _packages(env: Path) -> dict[str, str]:
    out = subprocess.run([str(env / "bin/python"), "-m", "pip", "list", "--format=json"],
                         check=True, capture_output=True, text=True).stdout
    skip = {"pip", "setuptools", "wheel"}
    return {p["name"].lower(): p["version"] for p in json.loads(out) if p["name"].lower()
            not in skip}


def build(where: Path, name: str, requirements: list[str]) -> dict:
    env = where / name
    venv.EnvBuilder(with_pip=True).create(env)
    subprocess.run([str(env / "bin/python"), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", *requirements], check=True)
    for cache in _site_packages(env).rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)  # compiled on first import anyway
    sp = _site_packages(env)
    base = {"pip", "setuptools", "wheel", "_distutils_hack", "distutils-precedence.pth"}
    size = sum(_size_mb(p) if p.is_dir() else p.stat().st_size / 1e6
               for p in sp.iterdir() if p.name.split("-")[0] not in base)
    return {"name": name, "mb": size, "packages": _packages(env)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--extra", action="append", default=[],
                   help="also measure wagtail-buddy[EXTRA] (e.g. bench-ortools)")
    p.add_argument("--keep", action="store_true", help="keep the environments")
    a = p.parse_args()
    where = Path(tempfile.mkdtemp(prefix="buddy-install-"))
    try:
        runs = [build(where, "wagtail", ["wagtail"]),
                build(where, "wagtail-buddy", ["wagtail", str(ROOT)])]
        for extra in a.extra:
            runs.append(build(where, f"wagtail-buddy[{extra}]", ["wagtail", f"{ROOT}[{extra}]"]))
    finally:
        if not a.keep:
            shutil.rmtree(where, ignore_errors=True)
    base = runs[0]
    print(f"Python {sys.version.split()[0]}, site-packages without pip/setuptools\n")
    print("| environment | packages | MB | added packages | added MB |")
    print("|---|---:|---:|---:|---:|")
    for r in runs:
        print(f"| {r['name']} | {len(r['packages'])} | {r['mb']:.0f} | "
              f"+{len(r['packages']) - len(base['packages'])} | +{r['mb'] - base['mb']:.0f} |")
    for r in runs[1:]:
        added = sorted(set(r["packages"]) - set(base["packages"]))
        print(f"\n{r['name']} adds: {', '.join(added)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
