from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .participant import Participant
from .programme import BuddyProgrammePage, Intake


class MatchingRun(models.Model):
    """One background run of the matching engine for one intake."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    programme = models.ForeignKey(
        BuddyProgrammePage, on_delete=models.CASCADE, related_name="matching_runs"
    )
    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="matching_runs")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    config = models.JSONField(_("configuration"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    phase = models.CharField(_("phase"), max_length=40, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # Personal rows, not content: skip Wagtail's reference index (and its queries).
    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")
        constraints = [
            models.UniqueConstraint(
                fields=["intake"],
                condition=models.Q(status__in=["queued", "running"]),
                name="wagtail_buddy_one_active_run_per_intake",
            )
        ]

    def __str__(self) -> str:
        return f"{self.intake} #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class MatchQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=Match.ACTIVE)


class Match(models.Model):
    """A pair of one international (mentee) and one local buddy (mentor)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")
        ENDED = "ended", _("Ended")

    class Source(models.TextChoices):
        ENGINE = "engine", _("Matching run")
        MANUAL = "manual", _("Manual")
        BUDDY = "buddy", _("Chosen by the buddy")

    class Answers(models.TextChoices):
        """Where the students' answers to a proposal stand ("both accept" mode only)."""
        NONE = "", _("Not asked")
        WAITING = "waiting", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Both accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")

    class Answer(models.TextChoices):
        NONE = "", _("No answer yet")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    ACTIVE = (Status.PROPOSED, Status.CONFIRMED)

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="matches")
    mentee = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="matches_as_mentee",
        verbose_name=_("international student"),
    )
    mentor = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="matches_as_mentor",
        verbose_name=_("local buddy"),
    )
    run = models.ForeignKey(
        MatchingRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="matches"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED
    )
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.ENGINE)
    locked = models.BooleanField(_("locked"), default=False)
    score = models.FloatField(_("score"), default=0)
    breakdown = models.JSONField(_("score breakdown"), default=dict, blank=True)
    # What each criterion found (shared languages, interests, age gap...), keyed by criterion:
    # the engine's Pair.evidence, see docs/engine.md.
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    coordinator_note = models.TextField(_("note for the introduction"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    introduced_at = models.DateTimeField(_("introduced at"), null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # "Both accept" mode: the proposal waits for both students until ``answers_due_at``.
    answers = models.CharField(_("answers"), max_length=8, choices=Answers.choices,
                               blank=True, default="")
    mentee_answer = models.CharField(max_length=8, choices=Answer.choices, blank=True,
                                     default="")
    mentor_answer = models.CharField(max_length=8, choices=Answer.choices, blank=True,
                                     default="")
    answers_due_at = models.DateTimeField(_("answers due"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(_("reason"), blank=True)

    objects = MatchQuerySet.as_manager()

    # Personal rows, not content: skip Wagtail's reference index (and its queries).
    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.UniqueConstraint(
                fields=["mentee"],
                condition=models.Q(status__in=["proposed", "confirmed"]),
                name="wagtail_buddy_one_active_match_per_mentee",
            ),
            models.CheckConstraint(
                condition=~models.Q(mentee=models.F("mentor")),
                name="wagtail_buddy_match_distinct_people",
            ),
        ]
        indexes = [
            models.Index(fields=["intake", "status"]),
            # The proposals list's order (weakest first): its pages walk this index and
            # join only their own 50 pairs (admin/paging.py).
            models.Index(fields=["intake", "score", "id"], name="wagtail_buddy_match_by_score"),
        ]

    def __str__(self) -> str:
        return f"{self.mentee} ↔ {self.mentor}"
