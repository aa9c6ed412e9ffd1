"""`manage.py demo_passwords`: give the demo logins a password and print them (DEBUG only).

`make run` calls it on every start, so the logins on screen always work: DEMO_PASSWORD when
set, else a fresh random password shared by all demo logins for this start.
"""

import secrets
import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from conference import demo
from core.names import display_name
from core.roles import Role


class Command(BaseCommand):
    help = "Set the demo logins' password (DEMO_PASSWORD or a random one) and print them."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(_("Demo passwords can only be set with DEBUG on."))
        users = _demo_users()
        if not users:
            raise CommandError(_("There are no demo logins yet: run load_demo first."))
        password = settings.DEMO_PASSWORD or secrets.token_urlsafe(9)
        # One hash for all: every demo login shares the password anyway, and hashing it once
        # instead of per user saves several seconds on every `make run`.
        hashed = make_password(password)
        for user in users:
            user.password = hashed
            user.save(update_fields=["password"])
        with translation.override(settings.LANGUAGE_CODE):
            self._print_table(users, password)

    def _print_table(self, users, password: str) -> None:
        header = (_("Login"), _("Name"), _("Role"), _("Password"))
        rows = [(user.username, display_name(user), _role_labels(user), password) for user in users]
        widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, None, *rows]:
            if row is None:
                self.stdout.write("  ".join("-" * width for width in widths))
            else:
                cells = (_pad(cell, w) for cell, w in zip(row, widths, strict=True))
                self.stdout.write("  ".join(cells).rstrip())
        self.stdout.write(_("Demo password: %(password)s") % {"password": password})


def _demo_users():
    by_name = {
        user.username: user
        for user in get_user_model()
        .objects.filter(username__in=demo.USERNAMES)
        .prefetch_related("groups")
    }
    return [by_name[name] for name in demo.USERNAMES if name in by_name]


def _role_labels(user) -> str:
    mine = {group.name for group in user.groups.all()}
    return "、".join(str(role.label) for role in Role if role.value in mine)


def _width(text: str) -> int:
    """Columns on a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
