from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffingConfig(AppConfig):
    name = "staffing"
    verbose_name = _("Staffing")

    def ready(self) -> None:
        from bookings import panels, signals, visibility
        from offices import signals as office_signals
        from staffing import invariants, receivers  # noqa: F401 - registers the checks
        from staffing.access import is_authorised_now, serves_meeting
        from staffing.panels import staffing_panel

        panels.register(staffing_panel)
        visibility.register_authorisation_check(is_authorised_now)
        visibility.register_duty_check(serves_meeting)
        signals.meeting_changed.connect(
            receivers.move_duties_with_meeting, dispatch_uid="staffing.move_duties_with_meeting"
        )
        signals.meeting_cancelled.connect(
            receivers.release_duties_of_cancelled_meeting,
            dispatch_uid="staffing.release_duties_of_cancelled_meeting",
        )
        office_signals.round_cancelled.connect(
            receivers.release_duties_of_cancelled_round,
            dispatch_uid="staffing.release_duties_of_cancelled_round",
        )
