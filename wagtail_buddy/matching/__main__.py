"""``python -m wagtail_buddy.matching`` == ``buddy-match``."""

import sys

from .cli import main

sys.exit(main())
