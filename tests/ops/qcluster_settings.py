"""Settings of the ``qcluster`` subprocess of test_qcluster.py.

The test settings with a real (not sync) cluster on the Redis of ``REDIS_URL`` and the
database of ``DATABASE_URL``; emails go to files in ``EMAIL_FILE_PATH`` so the test process
can count them; the queue name ``BUDDY_Q_NAME`` keeps parallel runs on one Redis apart.
"""

import os
from pathlib import Path

os.environ["BUDDY_REAL_QCLUSTER"] = "1"

from buddysite.settings.test import *  # noqa: E402, F403
from buddysite.settings.test import Q_CLUSTER, TEMPLATES  # noqa: E402

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
Q_CLUSTER = {**Q_CLUSTER, "name": os.environ["BUDDY_Q_NAME"], "sync": False, "workers": 2,
             "timeout": 120, "retry": 180, "poll": 0.2}
TEMPLATES = [{**TEMPLATES[0],
              "DIRS": [*TEMPLATES[0]["DIRS"], Path(__file__).parent / "templates"]}]
