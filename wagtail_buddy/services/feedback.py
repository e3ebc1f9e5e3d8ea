"""End-of-semester feedback: one email to both students of each introduced pair when the
intake ends, one answer each, results and an XLSX export for the coordinators.

``send_due_feedback`` runs daily (django-q2 schedule) and is safe twice or on two clusters:
one ``Feedback`` per (match, side) is a unique constraint, a run emails only the rows it
inserted itself (stamped with its own ``sent_at``), and the outbox's dedup key
``feedback:<participant>:<match>`` sends each email once whatever happens.
An answer is taken once, before ``FEEDBACK_ANSWER_DAYS`` after the end date, through the
person's own link; anything else raises ``FeedbackError`` and changes nothing.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from ..conf import buddy_settings
from ..models import Feedback, Intake, Match, Participant
from .audit import audit
from .emails import queue_emails
from .exports import with_zone, xlsx_table
from .stats import horizontal_bars
from .tokens import feedback_url

logger = logging.getLogger(__name__)
PURPOSE = "feedback"
GONE = (Participant.Status.WITHDRAWN, Participant.Status.ENDED)


class FeedbackError(Exception):
    """An answer that cannot be taken; the message says why, for the person."""


def answer_until(intake: Intake) -> date:
    """The last day answers are taken (inclusive)."""
    return intake.ends_on + timedelta(days=int(buddy_settings.FEEDBACK_ANSWER_DAYS))


def due_matches(today: date):
    """Introduced pairs of intakes that ended in the last ``FEEDBACK_SEND_DAYS`` days and
    miss a feedback row on at least one side."""
    since = today - timedelta(days=int(buddy_settings.FEEDBACK_SEND_DAYS))
    return (Match.objects.filter(status=Match.Status.CONFIRMED, introduced_at__isnull=False,
                                 intake__ends_on__lte=today, intake__ends_on__gte=since)
            .annotate(n_feedback=Count("feedback")).filter(n_feedback__lt=2))


def send_due_feedback(now=None) -> int:
    """Create the missing feedback rows and queue one email per new row; returns how many."""
    now = now or timezone.now()
    matches = list(due_matches(timezone.localdate(now)).select_related("mentee", "mentor"))
    if not matches:
        return 0
    existing = set(Feedback.objects.filter(match__in=matches).values_list(
        "match_id", "participant_id"))
    Feedback.objects.bulk_create(
        [Feedback(match=m, participant=p, sent_at=now) for m in matches
         for p in (m.mentee, m.mentor)
         if (m.pk, p.pk) not in existing and p.status not in GONE],
        ignore_conflicts=True, batch_size=500)
    # The rows this run inserted carry its ``now``: a concurrent run emails only its own.
    mine = list(Feedback.objects.filter(match__in=matches, sent_at=now).select_related(
        "participant__intake__programme"))
    queued = queue_emails(
        (f.participant, PURPOSE, str(f.match_id),
         {"match_id": f.match_id, "feedback_url": feedback_url(f.participant, f.match_id)})
        for f in mine)
    audit([f.participant for f in mine], "wagtail_buddy.feedback_sent",
          data={"matches": sorted({f.match_id for f in mine})})
    if queued:
        logger.info("Queued %s feedback email(s)", queued)
    return queued


def feedback_for(participant: Participant, match_id: int) -> Feedback | None:
    """The feedback row of ``participant`` about match ``match_id`` (None if not theirs)."""
    return Feedback.objects.select_related("match__intake").filter(
        participant=participant, match_id=match_id).first()


def check_answerable(feedback: Feedback, today: date | None = None) -> None:
    """Raise ``FeedbackError`` when this row can no longer be answered."""
    if feedback.answered_at is not None:
        raise FeedbackError(_t("You have already answered: thank you! Your answer stays "
                               "as you sent it."))
    today = today or timezone.localdate()
    if today > answer_until(feedback.match.intake):
        raise FeedbackError(_t("This questionnaire closed on %(day)s: answers are no "
                               "longer taken.") % {"day": answer_until(feedback.match.intake)})


def record(feedback_id: int, participant: Participant, *, met: str, frequency: str = "",
           overall: int, recommend: str, comment: str = "", today: date | None = None
           ) -> Feedback:
    """Store one answer, once. The row is locked, so two presses at once store one."""
    if met not in Feedback.Met.values or recommend not in Feedback.Recommend.values:
        raise ValueError("unknown answer")
    if not isinstance(overall, int) or not 1 <= overall <= 5:
        raise ValueError("overall must be between 1 and 5")
    if met == Feedback.Met.YES and frequency not in Feedback.Frequency.values:
        raise ValueError("how often is needed when the pair met")
    with transaction.atomic():
        row = (Feedback.objects.select_for_update(of=("self",)).select_related("match__intake")
               .filter(pk=feedback_id, participant=participant).first())
        if row is None:
            raise FeedbackError(_t("This link is not valid for this questionnaire."))
        check_answerable(row, today)
        row.met, row.overall, row.recommend = met, overall, recommend
        row.frequency = frequency if met == Feedback.Met.YES else ""
        row.comment = (comment or "").strip()[:2000]
        row.answered_at = timezone.now()
        row.save(update_fields=["met", "frequency", "overall", "recommend", "comment",
                                "answered_at"])
        audit([participant], "wagtail_buddy.feedback_answered",
              data={"match": row.match_id, "met": met, "overall": overall})
    return row


# --- the coordinators' results ------------------------------------------------------------


def results(intake: Intake) -> dict:
    """Counts and bars of an intake's answers, and the comments (3 queries, any size)."""
    rows = Feedback.objects.filter(match__intake=intake).order_by()
    totals = rows.aggregate(sent=Count("pk"), answered=Count("pk", filter=Q(
        answered_at__isnull=False)))
    groups = list(rows.filter(answered_at__isnull=False).values_list(
        "participant__role", "met", "frequency", "overall", "recommend").annotate(n=Count("pk")))
    met, frequency, overall = Counter(), Counter(), Counter()
    recommend: dict[str, Counter] = {r: Counter() for r in Participant.Role.values}
    for role, was_met, often, score, rec, n in groups:
        met[was_met] += n
        frequency[often] += n if was_met == Feedback.Met.YES else 0
        overall[score] += n
        recommend.setdefault(role, Counter())[rec] += n
    answered = totals["answered"]
    mean = (sum(k * v for k, v in overall.items() if k) / answered) if answered else None
    comments = list(rows.filter(answered_at__isnull=False).exclude(comment="")
                    .select_related("participant").order_by("-answered_at", "pk")[:500])
    return {
        **totals, "mean_overall": mean,
        "met": horizontal_bars((label, met[value]) for value, label in Feedback.Met.choices),
        "frequency": horizontal_bars((label, frequency[value])
                                     for value, label in Feedback.Frequency.choices),
        "overall": horizontal_bars((str(n), overall[n]) for n in range(5, 0, -1)),
        "recommend_local": horizontal_bars((label, recommend["local"][value])
                                           for value, label in Feedback.Recommend.choices),
        "recommend_international": horizontal_bars(
            (label, recommend["international"][value])
            for value, label in Feedback.Recommend.choices),
        "comments": comments,
    }


def overview_counts(intakes: list[Intake], today: date | None = None) -> dict[int, dict]:
    """The overview's feedback card of each intake (one query, any number of intakes):
    emails sent, answers, the mean overall rating (as ``results`` computes it), and
    whether answers are still taken."""
    today = today or timezone.localdate()
    answered = Q(answered_at__isnull=False)
    rows = (Feedback.objects.filter(match__intake__in=intakes).order_by()
            .values_list("match__intake_id")
            .annotate(sent=Count("pk"), answered=Count("pk", filter=answered),
                      points=Sum("overall", filter=answered)))
    figures = {pk: (sent, n, points) for pk, sent, n, points in rows}
    counts = {}
    for intake in intakes:
        sent, n, points = figures.get(intake.pk, (0, 0, None))
        until = answer_until(intake)
        counts[intake.pk] = {
            "sent": sent, "answered": n, "mean_overall": (points or 0) / n if n else None,
            "until": until, "open": sent > 0 and today <= until}
    return counts


EXPORT_COLUMNS = [
    _("Role"), _("First name"), _("Last name"), _("Email"), _("Buddy"), _("Sent at"),
    _("Answered at"), _("Did you meet?"), _("How often"), _("Overall (1-5)"),
    _("Would recommend"), _("Comment"),
]


def export_rows(intake: Intake):
    """One row per feedback row of ``intake`` (answered or not), 1 query."""
    rows = (Feedback.objects.filter(match__intake=intake)
            .select_related("participant", "match__mentee", "match__mentor")
            .order_by("match_id", "participant__role", "pk"))
    for f in rows.iterator(chunk_size=1000):
        p, m = f.participant, f.match
        other = m.mentor if p.pk == m.mentee_id else m.mentee
        yield [str(p.get_role_display()), p.first_name, p.last_name, p.email,
               f"{other.first_name} {other.last_name}".strip(), with_zone(f.sent_at),
               with_zone(f.answered_at), str(f.get_met_display()) if f.met else None,
               str(f.get_frequency_display()) if f.frequency else None, f.overall,
               str(f.get_recommend_display()) if f.recommend else None, f.comment or None]


def export_xlsx(intake: Intake, user) -> bytes:
    """The XLSX of ``intake``'s feedback; the export is audited (it holds comments)."""
    content = xlsx_table(str(_("Feedback")), [str(c) for c in EXPORT_COLUMNS],
                         export_rows(intake))
    audit([intake], "wagtail_buddy.feedback_export", user)
    return content
