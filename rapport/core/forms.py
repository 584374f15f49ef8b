"""Form helpers shared by every app's views."""

from collections.abc import Container, Iterable, Mapping
from datetime import datetime, time, timedelta
from html import escape

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.forms.utils import flatatt
from django.http import Http404
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from rapport.users import access, selectors

from .errors import ApplicationError, NotFound, PermissionDenied


def option_tags(pairs: Iterable[tuple], selected: Container = ()) -> SafeString:
    """``<option>``s of ``(value, label)`` pairs, those whose value (as text) is in ``selected`` selected. Made in
    Python: Django renders each option through a template (about 0.3 ms an option), and format_html per option
    costs as much; every value and label is escaped here."""
    out = []
    for value, label in pairs:
        text = str(value)
        out.append(
            f'<option value="{escape(text)}"{" selected" if text in selected else ""}>{escape(str(label))}</option>'
        )
    return mark_safe("".join(out))  # noqa: S308


class QuickSelect(forms.Select):
    """A ``<select>`` whose options are made in Python. Django renders each option through a template, about
    0.3 ms an option: a choice among 300 users took 100 ms of a page, the time zones and countries more."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = []
        for group, options, _index in widget["optgroups"]:
            chosen = {str(o["value"]) for o in options if o["selected"]}
            tags = option_tags(((o["value"], o["label"]) for o in options), chosen)
            parts.append(f'<optgroup label="{escape(str(group))}">{tags}</optgroup>' if group else tags)
        # The options and the group labels are escaped; so are the name and the attributes.
        return mark_safe(f'<select name="{escape(widget["name"])}"{flatatt(widget["attrs"])}>{"".join(parts)}</select>')  # noqa: S308


def raise_for_http(exc: ApplicationError) -> None:
    """Turn the errors that have their own page into Django's: NotFound -> 404, PermissionDenied -> 403."""
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    if isinstance(exc, PermissionDenied):
        raise DjangoPermissionDenied(exc.message)


def apply_application_error(
    form: forms.BaseForm, exc: ApplicationError, *, field_map: Mapping[str, str] | None = None
) -> None:
    """Show a service's refusal on the form it came from.

    NotFound raises Http404 and PermissionDenied a 403. Field errors go onto the form's fields: the
    service's key itself, ``field_map[key]``, or the key without its ``_id``/``_ids`` suffix
    (``team_id`` -> ``team``, ``manager_ids`` -> ``managers``); keys matching no field, and errors without fields, become non-field errors.
    """
    raise_for_http(exc)
    field_map = field_map or {}
    for key, messages in exc.fields.items():
        name = _field_name(form, key, field_map)
        for message in messages:
            form.add_error(name, message)
    if not exc.fields:
        form.add_error(None, exc.message)


def _field_name(form: forms.BaseForm, key: str, field_map: Mapping[str, str]) -> str | None:
    base = key.removesuffix("_ids")
    plural = base + "s" if base != key else None
    for candidate in (field_map.get(key), key, plural, base, key.removesuffix("_id")):
        if candidate and candidate in form.fields:
            return candidate
    return None


# --- the audit log's filters ---------------------------------------------------------------------

# Every action the audit log records, with its label: the action filter suggests them (any action can be typed).
# A test checks that each ``audit.record(action=...)`` of the code is declared here.
AUDIT_ACTIONS = {
    "create": "Created",
    "update": "Changed",
    "delete": "Deleted",
    "deactivated": "User deactivated",
    "role_changed": "Role changed",
    "login": "Signed in",
    "logout": "Signed out",
    "login_failed": "Sign-in failed",
    "password_changed": "Password changed",
    "password_reset": "Password reset",
    "token_created": "API token created",
    "token_revoked": "API token revoked",
    "demo": "Demo data loaded",
    "export": "Exported",
    "import_started": "Import started",
    "import_batch": "Import batch written",
    "import_finished": "Import finished",
    "import_resumed": "Import resumed",
    "import_undo_started": "Import undo started",
    "import_undo_batch": "Import batch undone",
    "import_undone": "Import undone",
}


class AuditFilterForm(forms.Form):
    # A username, not a list of every user: with thousands of users a <select> would weigh the page down.
    actor = forms.CharField(required=False, max_length=150, label="Who", help_text="A username; empty for anyone.")
    action = forms.CharField(required=False, max_length=40, widget=forms.TextInput(attrs={"list": "audit-actions"}))
    object_type = forms.ChoiceField(required=False, label="Object type")
    object_id = forms.CharField(required=False, max_length=64, label="Object id")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, *, actor):
        super().__init__(data)
        self.viewer = actor
        self.fields["object_type"].choices = [("", "Any")] + [(k, s.label) for k, s in access.OBJECT_TYPES.items()]

    def clean_action(self):
        """An action's name, or its label as the page shows it (``Import finished``)."""
        text = self.cleaned_data["action"].strip()
        by_label = {label.casefold(): name for name, label in AUDIT_ACTIONS.items()}
        return by_label.get(text.casefold(), text)

    def clean_actor(self):
        username = self.cleaned_data["actor"].strip()
        if not username:
            return None
        user = selectors.user_list(actor=self.viewer).filter(username__iexact=username).first()
        if user is None:
            raise forms.ValidationError("No user you can see has this username.")
        return user

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def selector_filters(self) -> dict:
        """Dates are days in the viewer's time zone; ``date_to`` includes its whole day."""
        data = self.cleaned_data if self.is_valid() else {}

        def start_of(day):
            return timezone.make_aware(datetime.combine(day, time.min)) if day else None

        return {
            "actor_id": data["actor"].pk if data.get("actor") else None,
            "action": data.get("action") or "",
            "object_type": data.get("object_type") or "",
            "object_id": data.get("object_id") or "",
            "at_from": start_of(data.get("date_from")),
            "at_to": start_of(data["date_to"] + timedelta(days=1)) if data.get("date_to") else None,
        }
