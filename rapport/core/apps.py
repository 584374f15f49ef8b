from django.apps import AppConfig
from django.db.models.signals import pre_migrate


def _restore_deferred_indexes(sender, using, plan=None, **kwargs):
    """Migrations find the indexes a bulk load dropped where they expect them (``deferred_indexes``). Only when
    there is something to migrate: ``rapport start`` migrates on every start, perhaps in the middle of a load."""
    if not plan:
        return
    from django.db import connections

    from . import deferred_indexes
    from .models import DeferredIndex

    if DeferredIndex._meta.db_table in connections[using].introspection.table_names():
        deferred_indexes.restore()


class CoreConfig(AppConfig):
    name = "rapport.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        pre_migrate.connect(_restore_deferred_indexes, sender=self)
