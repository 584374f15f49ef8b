from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "rapport.users"
    label = "users"
    verbose_name = "Users and access"

    def ready(self) -> None:
        # Registers object types, auth signal receivers and how the audit log names related records.
        from . import access, audit_references, signals  # noqa: F401
