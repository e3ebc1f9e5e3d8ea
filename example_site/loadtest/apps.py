from django.apps import AppConfig


class LoadtestConfig(AppConfig):
    """A bare wagtail.contrib.forms page: the yardstick of benchmarks/bench_signup_load.py."""

    name = "loadtest"
    default_auto_field = "django.db.models.BigAutoField"
