from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Checks and incidents")

    def ready(self) -> None:
        from bookings import panels, signals
        from inspections import invariants, receivers  # noqa: F401 - registers the checks
        from inspections.panels import checks_panel

        panels.register(checks_panel)

        signals.meeting_booked.connect(
            receivers.create_checks, dispatch_uid="inspections.create_checks"
        )
        signals.meeting_changed.connect(
            receivers.move_checks, dispatch_uid="inspections.move_checks"
        )
        signals.meeting_cancelled.connect(
            receivers.cancel_checks, dispatch_uid="inspections.cancel_checks"
        )
