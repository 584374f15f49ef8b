from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "rapport.users"
    label = "users"
    verbose_name = "Users and access"

    def ready(self) -> None:
        from . import access, signals  # noqa: F401  (registers object types and auth signal receivers)
