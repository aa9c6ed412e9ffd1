from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from core.lockout import audit_lockout

        user_locked_out.connect(audit_lockout, dispatch_uid="core.audit_lockout")
