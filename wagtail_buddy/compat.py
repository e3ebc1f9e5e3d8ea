"""The few places where Wagtail 7.4 LTS and Wagtail 8 differ, in one module."""

from __future__ import annotations

try:  # Wagtail 8: a registry that generic views, choosers and usage views consult
    from wagtail.permissions import register_permission_policy
except ImportError:  # Wagtail 7.4: each viewset carries its own policy
    def register_permission_policy(model, policy=None, exact_class=False) -> None:
        """Nothing to register on Wagtail 7.4; the viewset's ``permission_policy`` is used."""


__all__ = ["register_permission_policy"]
