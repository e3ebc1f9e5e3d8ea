"""The programme page's sub-routes: sign-up, opt-in, the private link and its sections.

Each route hands the request to ``views.public`` through ``public_views()``: the page's
one lazy import (as ``wagtail.contrib.forms`` reaches its views), since the views import
the models.
"""

from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path


class ProgrammeRoutesMixin(RoutablePageMixin):
    """The routes of ``BuddyProgrammePage``, each a one-line call into the views."""

    def public_views(self):
        """``views.public``, which every route and the sign-up entries go through: the
        page's one lazy import (as ``wagtail.contrib.forms`` reaches its views), since the
        views import the models."""
        from ..views import public

        return public

    @re_path(r"^signup/(?P<role>local|international)/$", name="signup")
    def signup_route(self, request, role: str):
        return self.public_views().signup_view(request, self, role)

    @path("sent/", name="sent")
    def sent_route(self, request):
        return self.public_views().sent_view(request, self)

    @path("link/", name="request_link")
    def request_link_route(self, request):
        return self.public_views().request_link_view(request, self)

    @path("confirm/<str:token>/", name="confirm")
    def confirm_route(self, request, token: str):
        return self.public_views().confirm_view(request, self, token)

    @path("invitation/<str:token>/", name="invitation")
    def invitation_route(self, request, token: str):
        return self.public_views().invitation_view(request, self, token)

    @path("rejoin/<str:token>/", name="rejoin")
    def rejoin_route(self, request, token: str):
        return self.public_views().rejoin_view(request, self, token)

    @path("me/<str:token>/", name="participant")
    def participant_route(self, request, token: str):
        return self.public_views().participant_view(request, self, token)

    @path("me/<str:token>/download/", name="download")
    def download_route(self, request, token: str):
        return self.public_views().download_view(request, self, token)

    @path("me/<str:token>/withdraw/", name="withdraw")
    def withdraw_route(self, request, token: str):
        return self.public_views().withdraw_view(request, self, token)

    @path("me/<str:token>/delete/", name="delete")
    def delete_route(self, request, token: str):
        return self.public_views().delete_view(request, self, token)

    @path("me/<str:token>/arrival/", name="arrival")
    def arrival_route(self, request, token: str):
        return self.public_views().arrival_view(request, self, token)

    @path("me/<str:token>/pickup/", name="pickup_answer")
    def pickup_answer_route(self, request, token: str):
        return self.public_views().pickup_answer_view(request, self, token)

    @path("pickups/<str:token>/", name="pickups")
    def pickups_route(self, request, token: str):
        return self.public_views().pickup_board_view(request, self, token)

    @path("me/<str:token>/checklist/", name="checklist")
    def checklist_route(self, request, token: str):
        return self.public_views().checklist_view(request, self, token)

    @path("answer/<str:token>/", name="answer")
    def answer_route(self, request, token: str):
        return self.public_views().answer_view(request, self, token)

    @path("feedback/<str:token>/", name="feedback")
    def feedback_route(self, request, token: str):
        return self.public_views().feedback_view(request, self, token)

    @path("me/<str:token>/certificate/", name="certificate")
    def certificate_route(self, request, token: str):
        return self.public_views().certificate_view(request, self, token)

    @path("me/<str:token>/certificate/pdf/", name="certificate_pdf")
    def certificate_pdf_route(self, request, token: str):
        return self.public_views().certificate_pdf_view(request, self, token)

    @path("me/<str:token>/choose/", name="choose")
    def choose_route(self, request, token: str):
        return self.public_views().choose_view(request, self, token)

    @path("checkin/<str:token>/", name="checkin")
    def checkin_route(self, request, token: str):
        return self.public_views().checkin_view(request, self, token)
