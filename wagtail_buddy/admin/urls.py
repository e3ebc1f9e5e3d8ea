"""URLs of the coordinator workspace, mounted under the admin at ``buddy/``."""

from django.urls import path, re_path, register_converter

from . import views
from .params import ID_REGEX, IdConverter
from .views import arrivals, choosing, feedback, imports, shortage

register_converter(IdConverter, "buddy_id")

app_name = "wagtail_buddy_admin"


def listing_paths(name: str, view) -> list:
    """A list's page and its results-only refresh (Wagtail's search and filters)."""
    return [
        path(f"intake/<buddy_id:intake_id>/{name}/", view.as_view(), name=name),
        path(f"intake/<buddy_id:intake_id>/{name}/results/",
             view.as_view(results_only=True), name=f"{name}_results"),
    ]


urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("go/<slug:section>/", views.GoView.as_view(), name="go"),
    path("intake/<buddy_id:intake_id>/matching/", views.MatchingView.as_view(), name="matching"),
    path("intake/<buddy_id:intake_id>/progress.json", views.IntakeProgressView.as_view(),
         name="intake_progress"),
    *listing_paths("proposals", views.ProposalsView),
    *listing_paths("waiting", views.WaitingView),
    *listing_paths("introductions", views.IntroductionsView),
    *listing_paths("runs", views.RunsView),
    *listing_paths("arrivals", arrivals.ArrivalsView),
    *listing_paths("checklist", views.ChecklistView),
    path("intake/<buddy_id:intake_id>/stats/", views.StatsView.as_view(), name="stats"),
    path("intake/<buddy_id:intake_id>/feedback/", feedback.FeedbackView.as_view(),
         name="feedback"),
    path("intake/<buddy_id:intake_id>/feedback/export/", feedback.FeedbackExportView.as_view(),
         name="feedback_export"),
    path("intake/<buddy_id:intake_id>/import/", imports.ImportUploadView.as_view(),
         name="import"),
    path("intake/<buddy_id:intake_id>/import/<buddy_id:upload_id>/",
         imports.ImportMappingView.as_view(), name="import_mapping"),
    path("intake/<buddy_id:intake_id>/import/<buddy_id:upload_id>/preview/",
         imports.ImportPreviewView.as_view(), name="import_preview"),
    path("intake/<buddy_id:intake_id>/shortage/", shortage.ShortageActionView.as_view(),
         name="shortage"),
    path("run/<buddy_id:run_id>/", views.RunView.as_view(), name="run"),
    path("run/<buddy_id:run_id>/status.json", views.RunStatusView.as_view(), name="run_status"),
    path("match/<buddy_id:match_id>/", views.MatchDetailView.as_view(), name="match"),
    path("match/<buddy_id:match_id>/swap/", views.SwapView.as_view(), name="swap"),
    path("match/<buddy_id:match_id>/cancel/", views.CancelView.as_view(), name="cancel"),
    path("match/<buddy_id:match_id>/undo-claim/", choosing.UndoClaimView.as_view(),
         name="undo_claim"),
    re_path(rf"^match/(?P<match_id>{ID_REGEX})/(?P<action>confirm|reject|lock|unlock)/$",
            views.MatchActionView.as_view(), name="match_action"),
    path("participant/<buddy_id:participant_id>/pair/", views.PairView.as_view(), name="pair"),
    path("participants/bulk/", views.ParticipantsBulkView.as_view(), name="participants_bulk"),
]
