from django.db import models


class Scope(models.TextChoices):
    """How far a role's read or write permission on an object type reaches."""

    ALL = "all", "All records"
    TEAM = "team", "Their team's records"
    OWN = "own", "Their own records"
    NONE = "none", "No records"


class Feature(models.TextChoices):
    """Permissions that are not about one record."""

    IMPORT = "import", "Import data"
    EXPORT = "export", "Export data"
    BULK = "bulk", "Bulk actions"
    SETTINGS = "settings", "Manage settings, roles and users' access"


class Operation(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Write"
