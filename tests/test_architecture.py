"""The direction of imports that docs/architecture.md promises."""

import subprocess
import sys


def test_engine_imports_nothing_from_django_or_the_rest_of_the_package():
    code = (
        "import sys, wagtail_buddy.matching, wagtail_buddy.matching.cli\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'wagtail')\n"
        "             or (m.startswith('wagtail_buddy.') and not m.startswith("
        "'wagtail_buddy.matching')))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
