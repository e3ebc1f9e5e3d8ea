"""The data model, one module per aggregate."""

from .arrival import Arrival
from .audit import BuddyLogEntry
from .checklist import ChecklistTask, ChecklistTick
from .emails import EmailAttempt, OutboundEmail
from .feedback import Feedback
from .followup import CheckIn
from .importing import ImportMapping, ImportUpload
from .matching import Match, MatchingRun
from .participant import Participant
from .programme import BuddyProgrammePage, Intake
from .stats import IntakeStats
from .vocabulary import Interest, Language

__all__ = [
    "Arrival",
    "BuddyLogEntry",
    "BuddyProgrammePage",
    "CheckIn",
    "ChecklistTask",
    "ChecklistTick",
    "EmailAttempt",
    "Feedback",
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
