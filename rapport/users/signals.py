"""Security events into the audit log, and the built-in roles after migrations."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from rapport.core import audit

from .roles import sync_builtin_roles

post_migrate.connect(sync_builtin_roles, dispatch_uid="rapport_sync_builtin_roles")


@receiver(user_logged_in, dispatch_uid="rapport_audit_login")
def _audit_login(sender, request, user, **kwargs):
    audit.record(actor=user, action="login", obj=user)


@receiver(user_logged_out, dispatch_uid="rapport_audit_logout")
def _audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=user, action="logout", obj=user)


@receiver(user_login_failed, dispatch_uid="rapport_audit_login_failed")
def _audit_login_failed(sender, credentials, request=None, **kwargs):
    # The attempted username is recorded (security teams need it); the password never is.
    audit.record(actor=None, action="login_failed", actor_label=str(credentials.get("username", ""))[:150])
