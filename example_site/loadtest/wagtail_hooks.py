"""Wagtail's own listing of ``BenchRow``: the reference ``bench_scale.py`` measures against."""

from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from .models import BenchRow


class BenchRowViewSet(ModelViewSet):
    model = BenchRow
    icon = "list-ul"
    add_to_admin_menu = True
    list_display = ["name", "email", "city", "created_at"]
    search_fields = ["name", "email"]
    list_per_page = 50
    form_fields = ["name", "email", "city", "created_at"]


@hooks.register("register_admin_viewset")
def register_bench_rows():
    return BenchRowViewSet("benchrow")
