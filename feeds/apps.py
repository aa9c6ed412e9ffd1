from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedsConfig(AppConfig):
    name = "feeds"
    verbose_name = _("Calendar feeds")

    def ready(self) -> None:
        # feeds sits above bookings and staffing: their JSON asks for `ical_url` through a
        # hook instead of importing upwards.
        from bookings.api.serializers import register_ical_url
        from feeds.api import serializer_ical_url

        register_ical_url(serializer_ical_url)
