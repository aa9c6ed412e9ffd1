from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Hosting-unit feedback")

    def ready(self) -> None:
        from bookings import panels, signals
        from feedback import invariants, receivers  # noqa: F401 - registers the checks
        from feedback.panels import feedback_panel

        panels.register(feedback_panel)
        signals.meeting_changed.connect(receivers.move_expiry, dispatch_uid="feedback.move_expiry")
