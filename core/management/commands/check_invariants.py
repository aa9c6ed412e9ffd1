from django.core.management.base import BaseCommand, CommandError

from core import invariants


class Command(BaseCommand):
    help = "Check the design's invariants on the current database; exit 1 naming each breach."

    def handle(self, *args, **options):
        results = invariants.run_all()
        breaches = 0
        for name, problems in results.items():
            if problems:
                breaches += len(problems)
                self.stdout.write(self.style.ERROR(f"FAIL {name}: {len(problems)} breach(es)"))
                for problem in problems:
                    self.stdout.write(f"  - {problem}")
            else:
                self.stdout.write(self.style.SUCCESS(f"ok   {name}"))
        if breaches:
            raise CommandError(f"{breaches} invariant breach(es).")
