from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "rapport.contacts"
    label = "contacts"
    verbose_name = "Contacts and companies"

    def ready(self) -> None:
        from . import access  # noqa: F401
        from .search import setup as setup_search

        setup_search()
