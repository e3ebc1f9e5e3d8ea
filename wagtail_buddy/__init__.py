"""wagtail-buddy: a buddy system for ESN sections, inside Wagtail."""

__version__ = "0.1.0.dev0"
