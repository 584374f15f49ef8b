from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "rapport.contacts"
    label = "contacts"
    verbose_name = "Contacts and companies"

    def ready(self) -> None:
        from django_tasks.signals import task_finished

        from . import access  # noqa: F401
        from .search import setup as setup_search
        from .tasks import fail_job_of_failed_task

        setup_search()
        task_finished.connect(fail_job_of_failed_task, dispatch_uid="contacts.fail_job_of_failed_task")
