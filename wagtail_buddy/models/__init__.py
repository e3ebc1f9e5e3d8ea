"""The data model, one module per aggregate."""

from .audit import BuddyLogEntry
from .checklist import ChecklistTask, ChecklistTick
from .emails import EmailAttempt, OutboundEmail
from .followup import CheckIn
from .importing import ImportMapping, ImportUpload
from .matching import Match, MatchingRun
from .participant import Participant
from .programme import BuddyProgrammePage, Intake
from .stats import IntakeStats
from .vocabulary import Interest, Language

__all__ = [
    "BuddyLogEntry",
    "BuddyProgrammePage",
    "CheckIn",
    "ChecklistTask",
    "ChecklistTick",
    "EmailAttempt",
    "ImportMapping",
    "ImportUpload",
    "Intake",
    "IntakeStats",
    "Interest",
    "Language",
    "Match",
    "MatchingRun",
    "OutboundEmail",
    "Participant",
]
