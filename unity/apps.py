from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnityConfig(AppConfig):
    name = "unity"
    verbose_name = _("民族团结进步创建")

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from . import startup  # noqa: F401  (registers the deploy check of the production keys)
        from .middleware import note_pending_password_change, start_idle_clock
        from .security import audit_lockout, audit_refused_password, audit_sign_in, audit_sign_out

        user_locked_out.connect(audit_lockout, dispatch_uid="unity.security.audit_lockout")
        user_logged_in.connect(start_idle_clock, dispatch_uid="unity.middleware.start_idle_clock")
        user_logged_in.connect(note_pending_password_change, dispatch_uid="unity.middleware.pending_password")
        user_logged_in.connect(audit_sign_in, dispatch_uid="unity.security.audit_sign_in")
        user_logged_out.connect(audit_sign_out, dispatch_uid="unity.security.audit_sign_out")
        user_login_failed.connect(audit_refused_password, dispatch_uid="unity.security.audit_refused_password")
