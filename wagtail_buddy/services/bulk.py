"""Insert many rows without building a model instance for each: COPY on PostgreSQL.

A run writes thousands of proposals at once. ``bulk_create`` builds a model instance per row
(with its ``pre_init``/``post_init`` signals) and, with psycopg's client-side binding, quotes
every value of every row in Python; PostgreSQL's ``COPY`` streams the same rows as they
are. Neither sends ``post_save``, so nothing that listens to saves sees a difference.
Other databases get ``bulk_create``.

``insert_together`` writes the few rows of one new object of several models (a sign-up's
languages, interests and opt-in email) in one round trip on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import partial

from django.db import connections, models
from django.db.models.sql import InsertQuery
from django.utils import timezone

try:  # psycopg 3; psycopg2 binds client-side too but runs one statement per execute
    from psycopg import ClientCursor
except ImportError:
    ClientCursor = None


def _copy_supported(using: str) -> bool:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        return hasattr(cursor.cursor, "copy")  # psycopg 3 (psycopg2 has copy_expert)


def insert_rows(model: type[models.Model], rows: Sequence[Mapping], using: str = "default",
                batch_size: int = 2000) -> int:
    """Insert ``rows`` (dicts by field attname, without the primary key) into ``model``'s
    table; the fields a row leaves out get their default, ``auto_now(_add)`` fields now.
    Returns the number of rows. The caller holds the transaction."""
    if not rows:
        return 0
    if not _copy_supported(using):
        model.objects.using(using).bulk_create([model(**row) for row in rows],
                                               batch_size=batch_size)
        return len(rows)
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif f.has_default():
            defaults[f.attname] = f.get_default()
        elif f.null:
            defaults[f.attname] = None
        elif isinstance(f, models.CharField | models.TextField):
            defaults[f.attname] = ""
    connection = connections[using]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    # JSON as the field itself would encode it (its ``encoder``, else the json module's),
    # sent as text: COPY's text format is parsed by the column's type.
    encoders = {f.attname: partial(json.dumps, cls=f.encoder) for f in fields
                if isinstance(f, models.JSONField)}
    names = [f.attname for f in fields]

    # The raw cursor's errors become Django's (IntegrityError on a unique index), as
    # bulk_create's would.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        table = connection.ops.quote_name(model._meta.db_table)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = []
                for name in names:
                    value = row[name] if name in row else defaults[name]
                    if name in encoders and value is not None:
                        value = encoders[name](value)
                    values.append(value)
                copy.write_row(values)
    return len(rows)


def insert_together(objs: Sequence[models.Model], using: str = "default") -> None:
    """Insert the unsaved ``objs`` (any models; their ids are not read back): one
    ``INSERT`` per model, as ``bulk_create`` writes it, and on PostgreSQL all of them in one
    round trip, sent as one multi-statement query by psycopg's client-side binding cursor
    (Django's default there). With server-side binding, or elsewhere, one round trip per
    model. As ``bulk_create``, no ``post_save`` is sent. The caller holds the transaction."""
    groups: dict[type, list] = {}
    for obj in objs:
        groups.setdefault(type(obj), []).append(obj)
    if not groups:
        return
    connection = connections[using]
    statements = [_insert_sql(group, connection) for group in groups.values()]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and _client_side(cursor):
            cursor.execute("; ".join(sql for sql, _params in statements),
                           [param for _sql, params in statements for param in params])
            return
        for sql, params in statements:
            cursor.execute(sql, params)


def _client_side(cursor) -> bool:
    return ClientCursor is not None and isinstance(cursor.cursor, ClientCursor)


def _insert_sql(objs: list[models.Model], connection) -> tuple[str, tuple]:
    """The ``INSERT`` of ``objs`` (one model) as ``bulk_create`` sends it (``auto_now_add``
    filled in, the auto id left to the database), without ``RETURNING``."""
    meta = objs[0]._meta
    fields = [f for f in meta.local_concrete_fields
              if f is not meta.auto_field and not getattr(f, "generated", False)]
    query = InsertQuery(type(objs[0]))
    query.insert_values(fields, objs)
    [(sql, params)] = query.get_compiler(connection=connection).as_sql()
    return sql, tuple(params)
