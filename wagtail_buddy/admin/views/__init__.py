"""Views of the coordinator workspace, one module per screen.

Thin: they check access, validate, call a service. Access: every view needs a Wagtail admin
login (the ``register_admin_urls`` hook wraps them); ``admin.access.ProgrammePolicy`` decides
the coordinator level and the programmes (else 404, so another section's ids reveal
nothing). The lists are Wagtail generic listings (``listing.py``).
"""

from .checklist import ChecklistView
from .introductions import IntroductionsView
from .overview import GoView, OverviewView
from .pairing import PairView, WaitingView
from .participants import ParticipantsBulkView
from .proposals import CancelView, MatchActionView, MatchDetailView, ProposalsView, SwapView
from .runs import IntakeProgressView, MatchingView, RunStatusView, RunsView, RunView
from .stats import StatsView

__all__ = [
    "CancelView", "ChecklistView", "GoView", "IntakeProgressView", "IntroductionsView",
    "MatchActionView",
    "MatchDetailView", "MatchingView", "OverviewView", "PairView", "ParticipantsBulkView",
    "ProposalsView", "RunStatusView", "RunsView", "RunView", "StatsView", "SwapView", "WaitingView",
]
