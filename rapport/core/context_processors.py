from django.urls import reverse

from rapport.users import access
from rapport.users.enums import Feature, Operation, Scope


def _reads(object_type: str):
    return lambda user: access.scope_of(user, object_type, Operation.READ) != Scope.NONE


def _manages_settings(user) -> bool:
    return access.has_feature(user, Feature.SETTINGS) and _reads("role")(user)


# (label, url name, who sees the item (None: everyone), url-name prefixes of the area's pages)
_SECTIONS = [
    ("Dashboard", "dashboard", None, ("dashboard",)),
    ("Contacts", "contact_list", _reads("contact"), ("contact_",)),
    ("Companies", "company_list", _reads("company"), ("company_",)),
    ("My tasks", "my_tasks", None, ("my_tasks", "task_")),
    ("Data quality", "data_quality", lambda u: _reads("contact")(u) or _reads("company")(u), ("data_quality",)),
    ("Imports", "import_list", lambda u: access.has_feature(u, Feature.IMPORT), ("import_",)),
    ("Exports", "export_list", lambda u: access.has_feature(u, Feature.EXPORT), ("export_",)),
    ("Data settings", "settings_fields_home", lambda u: access.has_feature(u, Feature.SETTINGS), ("settings_",)),
    ("Users", "user_list", _reads("user"), ("user_",)),
    ("Teams", "team_list", _reads("team"), ("team_",)),
    # Everyone may read the roles (their pages stay reachable), but only those who manage them need the entry.
    ("Roles", "role_list", _manages_settings, ("role_",)),
    ("Audit log", "audit_list", _reads("audit"), ("audit_",)),
    ("Account", "account", None, ("account", "token_", "password_change")),
]


def navigation(request):
    """The main navigation: ``nav_items`` as (label, url, key), only the areas the user may use.

    ``nav_current`` is the key of the area the current page belongs to, so ``base.html`` marks it with
    aria-current on its sub-pages too (editing a user marks "Users").
    """
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    current = (match.url_name if match else "") or ""
    items, nav_current = [], None
    for label, url_name, visible, prefixes in _SECTIONS:
        if visible is not None and not visible(request.user):
            continue
        if current and current.startswith(prefixes):
            nav_current = url_name
        items.append((label, reverse(url_name), url_name))
    return {"nav_items": items, "nav_current": nav_current}
