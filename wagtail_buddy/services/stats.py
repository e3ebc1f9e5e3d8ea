"""Figures of an intake for the dashboard, and the geometry of its server-rendered SVG charts.

Every figure is an aggregate query (a constant number whatever the intake's size); the
charts are plain numbers the templates draw as SVG, so no chart library or CDN is needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from django.db import connection
from django.db.models import Avg, Count, Q
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from ..models import CheckIn, Intake, Match, MatchingRun, Participant
from . import checklist

Role = Participant.Role
Status = Participant.Status


def horizontal_bars(items: Iterable[tuple[str, int]], width: int = 100) -> list[dict]:
    """``[(label, value)]`` -> rows with the bar width in percent of the largest value."""
    items = list(items)
    top = max((v for _, v in items), default=0) or 1
    return [{"label": label, "value": value, "width": round(width * value / top, 1)}
            for label, value in items]


def daily_columns(days: Sequence[date], series: dict[str, dict[date, int]],
                  height: int = 120, bar: int = 10, gap: int = 4) -> dict:
    """Stacked columns per day for an SVG of ``height`` px; returns the svg size and rects."""
    top = max((sum(s.get(d, 0) for s in series.values()) for d in days), default=0) or 1
    columns, step = [], bar + gap
    for index, day in enumerate(days):
        y = height
        rects = []
        for key, counts in series.items():
            value = counts.get(day, 0)
            h = round(height * value / top, 1)
            y -= h
            if value:
                rects.append({"key": key, "y": round(y, 1), "height": h, "value": value})
        columns.append({"x": index * step, "day": day, "rects": rects,
                        "total": sum(s.get(day, 0) for s in series.values())})
    return {"width": max(step * len(days), step), "height": height, "bar": bar, "max": top,
            "columns": columns}


def intake_summary(intakes: Iterable[Intake]) -> dict[int, dict]:
    """Per intake, THE definition of every count the workspace shows (7 queries in all).

    The overview, the home panel, the matching page and the statistics page read these
    figures, and each links to the list that shows exactly these people or pairs:

    * waiting / proposed / matched: international students in that status;
    * unconfirmed: sign-ups (both roles) whose email is not confirmed;
    * proposals: proposed pairs not yet sent to the students ("both accept" mode);
    * answers_waiting / answers_declined / answers_expired: proposals the students were
      asked about, still open, declined, or ended by the deadline;
    * to_introduce: confirmed pairs not introduced yet;
    * blocked: waiting students the latest run found no possible buddy for;
    * checkins: check-ins of confirmed pairs answered "not met" or sent and unanswered;
    * checklist_idle: introduced pairs with nothing ticked three weeks on (``checklist``);
    * free_buddies: matchable local buddies with a free place; free_places: their places
      left in all; shortfall: waiting students beyond those places (buddies are short).
    """
    ids = [i.pk for i in intakes]
    keys = ("internationals", "locals", "waiting", "proposed", "matched", "unconfirmed",
            "invited", "proposals", "to_introduce", "blocked", "checkins", "free_buddies",
            "free_places", "shortfall", "answers_waiting", "answers_declined",
            "answers_expired", "checklist_idle")
    out: dict[int, dict] = {pk: dict.fromkeys(keys, 0) for pk in ids}
    rows = (Participant.objects.filter(intake_id__in=ids).order_by()
            .values_list("intake_id", "role", "status").annotate(n=Count("pk")))
    for intake_id, role, status, n in rows:
        data = out[intake_id]
        if status == Status.UNCONFIRMED:
            data["unconfirmed"] += n
        if status == Status.INVITED:
            data["invited"] += n
        if status in (Status.WITHDRAWN, Status.ENDED):
            continue
        data["internationals" if role == Role.INTERNATIONAL else "locals"] += n
        if role == Role.INTERNATIONAL and status in ("waiting", "proposed", "matched"):
            data[status] += n
    matches = (Match.objects.filter(intake_id__in=ids).order_by().values("intake_id").annotate(
        n_proposals=Count("pk", filter=Q(status=Match.Status.PROPOSED, answers="")),
        n_answers_waiting=Count("pk", filter=Q(status=Match.Status.PROPOSED,
                                                answers=Match.Answers.WAITING)),
        n_answers_declined=Count("pk", filter=Q(answers=Match.Answers.DECLINED)),
        n_answers_expired=Count("pk", filter=Q(answers=Match.Answers.EXPIRED)),
        n_to_introduce=Count("pk", filter=Q(status=Match.Status.CONFIRMED,
                                            introduced_at__isnull=True)),
    ))
    for row in matches:
        out[row["intake_id"]]["proposals"] = row["n_proposals"]
        out[row["intake_id"]]["to_introduce"] = row["n_to_introduce"]
        for key in ("answers_waiting", "answers_declined", "answers_expired"):
            out[row["intake_id"]][key] = row[f"n_{key}"]
    for intake_id, n in (checkins_to_follow(ids).values_list("match__intake_id")
                         .annotate(n=Count("participant_id", distinct=True))):
        out[intake_id]["checkins"] = n
    for intake_id, (n, places) in free_places_by_intake(ids).items():
        out[intake_id]["free_buddies"], out[intake_id]["free_places"] = n, places or 0
    for intake_id, n in checklist.idle_counts(ids).items():
        out[intake_id]["checklist_idle"] = n
    for data in out.values():
        data["shortfall"] = max(0, data["waiting"] - data["free_places"])
    for intake_id, n in (blocked_students(ids).values_list("intake_id")
                         .annotate(n=Count("pk"))):
        out[intake_id]["blocked"] = n
    return out


def free_places_by_intake(intake_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per intake: the buddies with a free place and their free places in all, exactly as
    ``ParticipantQuerySet.with_free_places`` defines them, in one statement.

    ``with_free_places`` counts each buddy's active matches in a subquery per buddy, which
    PostgreSQL ran twice per row here (in the filter and in the sum): 42,000 index probes
    for the superuser's 50 sections. Here the active matches of these intakes are read
    through the ``(intake, status)`` index, counted once per buddy and joined. A pair's
    buddy always belongs to the pair's intake (runs pair within an intake, and
    ``decisions`` refuses a pair across two), so these are the same counts
    (``tests/admin/test_scale_queries.py`` checks both agree).
    """
    if not intake_ids:
        return {}
    ids = list(intake_ids)
    active = (Match.objects.filter(intake_id__in=ids, status__in=Match.ACTIVE)
              .order_by().values("mentor_id").annotate(n=Count("pk")).values("mentor_id", "n"))
    active_sql, active_params = active.query.sql_with_params()
    idle = [Status.UNCONFIRMED, Status.INVITED, Status.WITHDRAWN, Status.ENDED]
    table = connection.ops.quote_name(Participant._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    sql = (f"SELECT p.intake_id, COUNT(*), SUM(p.capacity - COALESCE(a.n, 0)) FROM {table} p "
           f"LEFT JOIN ({active_sql}) a ON a.mentor_id = p.id "
           f"WHERE p.intake_id IN ({marks}) AND p.role = %s "
           f"AND p.status NOT IN ({', '.join(['%s'] * len(idle))}) "
           "AND p.capacity - COALESCE(a.n, 0) > 0 GROUP BY p.intake_id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*active_params, *ids, Role.LOCAL, *idle])
        return {intake_id: (n, int(places or 0)) for intake_id, n, places in cursor.fetchall()}


def checkins_to_follow(intake_ids: Iterable[int] | None = None):
    """Check-ins of confirmed pairs answered "not met yet" or sent and unanswered."""
    rows = CheckIn.objects.all() if intake_ids is None else CheckIn.objects.filter(
        match__intake_id__in=list(intake_ids))
    return (rows.filter(match__status=Match.Status.CONFIRMED)
            .filter(Q(answer__in=[CheckIn.Answer.IN_CONTACT, CheckIn.Answer.NO_CONTACT])
                    | Q(answer="", sent_at__isnull=False)).order_by())


def blocked_students(intake_ids: Iterable[int]):
    """Waiting students for whom the intake's latest run found no possible buddy."""
    latest: dict[int, dict] = {}
    for intake_id, summary in (MatchingRun.objects.filter(
            intake_id__in=list(intake_ids), status=MatchingRun.Status.SUCCEEDED)
            .order_by("intake_id", "-created_at", "-pk").values_list("intake_id", "summary")):
        latest.setdefault(intake_id, summary or {})
    ids = [int(pk) for summary in latest.values()
           for pk, reason in (summary.get("unmatched_reason_by_id") or {}).items()
           if reason == "no_feasible_mentor"]
    return Participant.objects.filter(pk__in=ids, role=Role.INTERNATIONAL,
                                      status=Status.WAITING).order_by()


def intake_stats(intake: Intake, top: int = 10) -> dict:
    """Everything the statistics page shows for ``intake`` (8 aggregate queries)."""
    people = Participant.objects.filter(intake=intake).order_by()
    by_role_status = {(r, s): n for r, s, n in people.values_list("role", "status").annotate(
        n=Count("pk"))}
    roles = {role: sum(n for (r, _s), n in by_role_status.items() if r == role)
             for role in Role.values}
    total = sum(roles.values())
    confirmed = people.filter(confirmed_at__isnull=False).count()

    daily: dict[str, dict[date, int]] = {role: {} for role in Role.values}
    for day, role, n in (people.annotate(day=TruncDate("created_at")).values_list("day", "role")
                         .annotate(n=Count("pk")).order_by("day")):
        if day is not None:
            daily[role][day] = n
    all_days = sorted({d for s in daily.values() for d in s})
    days = []
    if all_days:
        day = all_days[0]
        while day <= all_days[-1] and len(days) < 120:
            days.append(day)
            day += timedelta(days=1)

    nationalities = (people.filter(role=Role.INTERNATIONAL).values_list("nationality")
                     .annotate(n=Count("pk")).order_by("-n", "nationality")[:top])
    universities = (people.values_list("university").annotate(n=Count("pk"))
                    .order_by("-n", "university")[:top])
    # International students only: the same figures as "Waiting" and "Matched" above.
    status_rows = [(str(label), by_role_status.get((Role.INTERNATIONAL, value), 0))
                   for value, label in Status.choices]
    matches = Match.objects.filter(intake=intake).order_by().aggregate(
        proposed=Count("pk", filter=Q(status=Match.Status.PROPOSED)),
        confirmed=Count("pk", filter=Q(status=Match.Status.CONFIRMED)),
        introduced=Count("pk", filter=Q(status=Match.Status.CONFIRMED,
                                        introduced_at__isnull=False)),
        rejected=Count("pk", filter=Q(status=Match.Status.REJECTED)),
        cancelled=Count("pk", filter=Q(status=Match.Status.CANCELLED)),
        mean_score=Avg("score", filter=Q(status__in=Match.ACTIVE)),
    )
    answers = dict(CheckIn.objects.filter(match__intake=intake).exclude(answer="")
                   .order_by().values_list("answer").annotate(n=Count("pk")))
    checkins = [(str(label), answers.get(value, 0)) for value, label in CheckIn.Answer.choices]
    internationals = roles.get(Role.INTERNATIONAL, 0)
    matched = by_role_status.get((Role.INTERNATIONAL, Status.MATCHED), 0)
    return {
        "total": total,
        "roles": {str(label): roles.get(value, 0) for value, label in Role.choices},
        "internationals": internationals,
        "locals": roles.get(Role.LOCAL, 0),
        "confirmed": confirmed,
        "confirmation_rate": round(100 * confirmed / total) if total else 0,
        "waiting": by_role_status.get((Role.INTERNATIONAL, Status.WAITING), 0),
        "matched": matched,
        "matched_rate": round(100 * matched / internationals) if internationals else 0,
        "matches": matches,
        "daily": daily_columns(days, {r: daily[r] for r in (Role.INTERNATIONAL, Role.LOCAL)}),
        "statuses": horizontal_bars(status_rows),
        "nationalities": horizontal_bars(
            (str(countries.name(code) or code or _("unknown")), n) for code, n in nationalities),
        "universities": horizontal_bars((name or str(_("unknown")), n)
                                        for name, n in universities),
        "checkins": horizontal_bars(checkins),
        "checkins_total": sum(answers.values()),
    }
