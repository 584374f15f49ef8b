"""References to records in forms: a text input with suggestions, read back to an id."""

import re

from django import forms
from django.urls import reverse_lazy

from rapport.users import access

from ..models import Company, Contact

_REF = re.compile(r"#(\d+)\s*$")
REFERENCE_MODELS = {"contact": (Contact, "display_name"), "company": (Company, "name")}
LOOKUP_URLS = {"contact": reverse_lazy("contact_lookup"), "company": reverse_lazy("company_lookup")}


def reference_label(obj) -> str:
    """How a referenced record shows in its input: ``Acme Ltd · #12`` (the id after ``#`` is what counts)."""
    return f"{obj} · #{obj.pk}"


def parse_reference(text) -> int | str | None:
    """An id (``12``, ``#12``, ``Acme Ltd · #12``), a name to look up, or None for an empty input."""
    text = str(text or "").strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    match = _REF.search(text)
    return int(match.group(1)) if match else text


def resolve_reference(actor, object_type: str, text) -> int | None:
    """The id of the record the input names; raises forms.ValidationError when it names none or several."""
    value = parse_reference(text)
    if value is None or isinstance(value, int):
        return value
    model, name_field = REFERENCE_MODELS[object_type]
    noun = "contact" if object_type == "contact" else "company"
    qs = access.scoped(model.objects.filter(**{f"{name_field}__iexact": value}), actor=actor, object_type=object_type)
    ids = list(qs.values_list("pk", flat=True)[:2])
    if not ids:
        raise forms.ValidationError(f"No {noun} you can see has this name; choose one from the suggestions.")
    if len(ids) > 1:
        raise forms.ValidationError("Several records have this name; choose one from the suggestions.")
    return ids[0]


class ReferenceInput(forms.TextInput):
    """A text input whose suggestions (a datalist) come from the record lookup as the user types."""

    def __init__(self, object_type: str, attrs=None):
        super().__init__(
            {
                "autocomplete": "off",
                "data-lookup": LOOKUP_URLS[object_type],
                "placeholder": "Type a name…",
                **(attrs or {}),
            }
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        if widget_attrs.get("id"):
            widget_attrs["list"] = widget_attrs["id"] + "_options"
        return context

    def render(self, name, value, attrs=None, renderer=None):
        from django.utils.html import format_html

        html = super().render(name, value, attrs, renderer)
        list_id = (attrs or {}).get("id") or self.attrs.get("id")
        if not list_id:
            return html
        return format_html('{}<datalist id="{}_options"></datalist>', html, list_id)
