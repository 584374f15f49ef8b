from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "rapport.activities"
    label = "activities"
    verbose_name = "Timeline, notes and tasks"

    def ready(self) -> None:
        from . import access  # noqa: F401
