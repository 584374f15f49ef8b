"""The inputs of custom fields, by type, and their initial values."""

from datetime import datetime

from django import forms
from django.utils import timezone

from rapport.users import access

from .. import normalize
from ..enums import FieldType
from .choices import with_blank
from .references import REFERENCE_MODELS, ReferenceInput, reference_label

_BOOL_CHOICES = [("", "—"), ("true", "Yes"), ("false", "No")]


def custom_form_field(cf) -> forms.Field:
    """The input of a custom field, by its type."""
    kind = cf.field_type
    common = {"label": cf.label, "required": cf.required, "help_text": cf.help_text}
    if kind == FieldType.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea({"rows": 3}), strip=False, **common)
    if kind in (FieldType.NUMBER, FieldType.MONEY, FieldType.PERCENT):
        if kind == FieldType.MONEY and cf.currency:
            common["label"] = f"{cf.label} ({cf.currency})"
        if kind == FieldType.PERCENT:
            common["label"] = f"{cf.label} (%)"
        step = "0.01" if kind == FieldType.MONEY else "any"
        return forms.CharField(widget=forms.NumberInput({"step": step, "inputmode": "decimal"}), **common)
    if kind == FieldType.DATE:
        return forms.CharField(widget=forms.DateInput({"type": "date"}), **common)
    if kind == FieldType.DATETIME:
        return forms.CharField(widget=forms.DateTimeInput({"type": "datetime-local"}), **common)
    if kind == FieldType.BOOLEAN:
        return forms.CharField(widget=forms.Select(choices=_BOOL_CHOICES), **common)
    if kind == FieldType.CHOICE:
        return forms.CharField(widget=forms.Select(choices=with_blank([(c, c) for c in cf.choices])), **common)
    if kind == FieldType.MULTI_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(c, c) for c in cf.choices], widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == FieldType.URL:
        return forms.CharField(widget=forms.URLInput({"placeholder": "https://"}), **common)
    if kind == FieldType.EMAIL:
        return forms.CharField(widget=forms.EmailInput(), **common)
    if kind == FieldType.PHONE:
        return forms.CharField(widget=forms.TextInput({"type": "tel"}), **common)
    if kind == FieldType.REFERENCE and cf.reference_type in REFERENCE_MODELS:
        return forms.CharField(widget=ReferenceInput(cf.reference_type), **common)
    return forms.CharField(widget=forms.TextInput({"maxlength": 500}), strip=False, **common)


def custom_initial(cf, value, references: dict) -> object:
    """A stored custom value as its input shows it."""
    if value in (None, "", []):
        return [] if cf.field_type == FieldType.MULTI_CHOICE else ""
    kind = cf.field_type
    if kind == FieldType.BOOLEAN:
        return "true" if value else "false"
    if kind == FieldType.DATETIME:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return value
        return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")
    if kind == FieldType.PHONE:
        return normalize.format_phone(value)
    if kind == FieldType.REFERENCE:
        obj = references.get((cf.reference_type, value))
        return reference_label(obj) if obj else f"#{value}"
    return value


def referenced_records(actor, fields, customs) -> dict:
    """``{(object_type, id): record}`` for the values of reference custom ``fields`` in ``customs`` (records'
    ``custom`` dicts), as far as the actor may see them: one query per referenced object type."""
    wanted: dict[str, set] = {}
    for cf in fields:
        if cf.field_type == FieldType.REFERENCE and cf.reference_type in REFERENCE_MODELS:
            for custom in customs:
                value = custom.get(cf.key)
                if isinstance(value, int):
                    wanted.setdefault(cf.reference_type, set()).add(value)
    out = {}
    for object_type, ids in wanted.items():
        model, name_field = REFERENCE_MODELS[object_type]
        qs = access.scoped(model.objects.filter(pk__in=ids), actor=actor, object_type=object_type)
        for obj in qs.only("pk", name_field):
            out[(object_type, obj.pk)] = obj
    return out
