"""The data model, one module per aggregate."""

from .emails import OutboundEmail
from .followup import CheckIn
from .matching import Match, MatchingRun
from .participant import Participant
from .programme import BuddyProgrammePage, Intake
from .vocabulary import Interest, Language

__all__ = [
    "BuddyProgrammePage",
    "CheckIn",
    "Intake",
    "Interest",
    "Language",
    "Match",
    "MatchingRun",
    "OutboundEmail",
    "Participant",
]
