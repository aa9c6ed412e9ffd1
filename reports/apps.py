from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from bookings import panels
        from reports.panels import documents_panel

        panels.register(documents_panel)
