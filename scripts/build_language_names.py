"""Write wagtail_buddy/data/language_names.json from CLDR, through Babel (a development tool).

The app names about 180 ISO 639-1 languages in its six locales, and each language in its own
language ("Français" for French) for language pickers. Babel would add 36 MB to every install
for that; the names are CLDR data that change a few times a year, so they ship as one small
JSON file generated here and committed. Re-run after upgrading Babel:

    .venv/bin/python scripts/build_language_names.py [--check]

``--check`` exits 1 when the committed file differs from what Babel gives now.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import babel
from babel import Locale, UnknownLocaleError

OUT = Path(__file__).resolve().parents[1] / "wagtail_buddy" / "data" / "language_names.json"
LOCALES = ("en", "fr", "de", "es", "it", "pt")


def build() -> dict:
    english = Locale("en").languages
    codes = sorted(code for code in english if len(code) == 2 and code.isalpha())
    names = {}
    for locale_code in LOCALES:
        own = Locale(locale_code).languages
        names[locale_code] = {code: own.get(code, english[code]) for code in codes}
    autonyms = {}
    for code in codes:
        try:
            name = Locale.parse(code).languages.get(code)
        except (UnknownLocaleError, ValueError):
            name = None
        name = name or english[code]
        # Capitalised as a picker shows it: CLDR writes "français" mid-sentence.
        autonyms[code] = name[:1].upper() + name[1:]
    return {"source": f"CLDR through Babel {babel.__version__}", "codes": codes,
            "names": names, "autonyms": autonyms}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = json.dumps(build(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if args.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{OUT} differs from Babel's CLDR data")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({len(text) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
