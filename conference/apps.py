from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs):
    from core.roles import sync_role_groups

    sync_role_groups()


class ConferenceConfig(AppConfig):
    name = "conference"
    verbose_name = "Conference"

    def ready(self) -> None:
        # After the last app migrated, every permission exists: make the role groups match.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="sync-role-groups")
