"""Whether the app's tables are there: they are not between ``migrate wagtail_buddy zero``
and the restart with the app taken out of the settings. The admin's dashboard panel and the
site history report then leave the app out instead of querying dropped tables (a 500)."""

from __future__ import annotations

from django.db import connections, router
from django.db.models import Model


def table_exists(model: type[Model]) -> bool:
    """One introspection query; used only where the admin would otherwise fail."""
    connection = connections[router.db_for_read(model)]
    with connection.cursor() as cursor:
        return model._meta.db_table in connection.introspection.table_names(cursor)
