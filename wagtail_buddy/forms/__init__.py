"""Public sign-up and profile forms (one module per concern)."""

from .arrival import ArrivalForm
from .extra_questions import EXTRA_PREFIX
from .feedback import FeedbackForm
from .participant import LATER_FIELDS, ROLE_FIELDS, InvitationForm, ParticipantForm, RejoinForm
from .public import CheckInForm, LinkRequestForm

__all__ = ["EXTRA_PREFIX", "LATER_FIELDS", "ROLE_FIELDS", "ArrivalForm", "CheckInForm",
           "FeedbackForm",
           "InvitationForm", "LinkRequestForm", "ParticipantForm",
           "RejoinForm"]
