from django.core.management.base import BaseCommand
from django.utils import timezone

from core.workdays import seed_calendar_year


class Command(BaseCommand):
    help = "Fill the holiday calendar from the holidays and chinesecalendar packages."

    def add_arguments(self, parser):
        this_year = timezone.localdate().year
        parser.add_argument("years", nargs="*", type=int, default=[this_year, this_year + 1])

    def handle(self, *args, years, **options):
        for year in years:
            holiday_year = seed_calendar_year(year)
            state = "confirmed" if holiday_year.confirmed else "UNCONFIRMED (调休 not yet known)"
            self.stdout.write(f"{year}: {state}")
