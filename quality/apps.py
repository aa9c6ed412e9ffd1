from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "quality"
    verbose_name = _("Quality inspections")

    def ready(self) -> None:
        from bookings import panels
        from core.roles import Role, grant
        from quality.panels import inspections_panel

        panels.register(inspections_panel)
        # The supervisor keeps the checklists (the templates) in the admin.
        grant(
            Role.SUPERVISOR,
            "quality.view_inspectiontemplate",
            "quality.add_inspectiontemplate",
            "quality.change_inspectiontemplate",
            "quality.delete_inspectiontemplate",
            "quality.view_templateitem",
            "quality.add_templateitem",
            "quality.change_templateitem",
            "quality.delete_templateitem",
        )
