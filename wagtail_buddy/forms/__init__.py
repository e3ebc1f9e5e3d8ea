"""Public sign-up and profile forms (one module per concern)."""

from .arrival import ArrivalForm
from .extra_questions import EXTRA_PREFIX
from .participant import LATER_FIELDS, ROLE_FIELDS, InvitationForm, ParticipantForm, RejoinForm
from .public import CheckInForm, LinkRequestForm

__all__ = ["EXTRA_PREFIX", "LATER_FIELDS", "ROLE_FIELDS", "ArrivalForm", "CheckInForm",
           "InvitationForm", "LinkRequestForm", "ParticipantForm",
           "RejoinForm"]
