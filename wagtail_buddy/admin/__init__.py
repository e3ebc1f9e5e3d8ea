"""The coordinator workspace in the Wagtail admin: views, forms, panels and the lists.

``wagtail_hooks`` only wires these in; the domain logic lives in ``wagtail_buddy.services``.
"""
