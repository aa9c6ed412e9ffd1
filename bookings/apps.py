from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Bookings")

    def ready(self) -> None:
        from bookings import invariants  # noqa: F401 - registers the checks
        from core.roles import Role, grant

        grant(Role.CLERK, "bookings.view_secret_meeting")
        grant(Role.SUPERVISOR, "bookings.view_secret_meeting")
