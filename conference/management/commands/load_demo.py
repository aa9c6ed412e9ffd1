"""`manage.py load_demo`: the demo data, once, and only on a development site."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from conference import demo


class Command(BaseCommand):
    help = "Load the demo rooms, units, leaders, logins and meetings (DEBUG only, once)."

    def handle(self, *args, **options):
        # Made-up meetings and logins with known names must never reach a real site.
        if not settings.DEBUG:
            raise CommandError(_("The demo data can only be loaded with DEBUG on."))
        started = time.monotonic()
        counts = demo.load()
        if counts is None:
            self.stdout.write(_("The demo data is already loaded; nothing was changed."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo data loaded in %(seconds).1f s: %(meeting_rooms)d meeting rooms, "
                    "%(offices)d offices, %(hosting_units)d hosting units, %(leaders)d leaders, "
                    "%(users)d logins, %(meetings)d meetings."
                )
                % {"seconds": time.monotonic() - started, **counts}
            )
        )
