"""Writes of the data hub's settings: custom field definitions, mandatory fields, tags, saved views."""

import re
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Max

from rapport.core import audit, deferred_indexes, jobs
from rapport.core.errors import Conflict, NotFound, PermissionDenied, validation_error
from rapport.users import access
from rapport.users.enums import Feature

from .. import normalize
from ..enums import CustomizableObject, FieldType
from ..models import CustomField, FieldPolicy, SavedView, Tag
from ..schema import MANDATORY_CHOICES
from ..selectors import list_sql

REFERENCE_TYPES = ("contact", "company")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,59}")


def _slug(label: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", normalize._fold(label)).strip("_")
    if not key or not key[0].isalpha():
        key = "field_" + key
    return key[:60]


def _clean_field(data: dict, *, existing: CustomField | None) -> dict:
    errors, out = {}, {}

    def take(name, cleaner):
        if name in data:
            try:
                out[name] = cleaner(data[name])
            except normalize.Invalid as exc:
                errors[name] = str(exc)

    take("label", lambda v: normalize.clean_text(v, max_length=100))
    take("help_text", lambda v: normalize.clean_text(v, max_length=300))
    take("required", normalize.clean_bool)
    take("position", lambda v: int(normalize.clean_decimal(v, places=0, minimum=0, maximum=2_147_483_647) or 0))
    take("currency", normalize.clean_currency)
    if existing is None:
        out["object_type"] = str(data.get("object_type") or "")
        if out["object_type"] not in CustomizableObject.values:
            errors["object_type"] = f"Choose one of: {', '.join(CustomizableObject.values)}."
        out["field_type"] = str(data.get("field_type") or "")
        if out["field_type"] not in FieldType.values:
            errors["field_type"] = f"Choose one of: {', '.join(FieldType.values)}."
        key = str(data.get("key") or "").strip() or _slug(str(out.get("label") or ""))
        if not _KEY.fullmatch(key):
            errors["key"] = "Use lower-case letters, digits and underscores, starting with a letter."
        out["key"] = key
        if "reference_type" in data:
            out["reference_type"] = str(data["reference_type"] or "")
    field_type = out.get("field_type") or (existing.field_type if existing else "")
    if field_type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
        if "choices" in data or existing is None:
            raw = data.get("choices") or []
            if isinstance(raw, str):
                raw = raw.splitlines() if "\n" in raw else raw.split(",")
            choices = list(dict.fromkeys(c for c in (normalize.clean_text(x, max_length=200) for x in raw) if c))
            if not choices:
                errors["choices"] = "Give at least one choice."
            out["choices"] = choices
    elif data.get("choices"):
        errors["choices"] = "Only choice fields have choices."
    if field_type == FieldType.REFERENCE and existing is None and out.get("reference_type") not in REFERENCE_TYPES:
        errors["reference_type"] = f"Choose one of: {', '.join(REFERENCE_TYPES)}."
    if existing is None and not out.get("label"):
        errors["label"] = "This field is required."
    if "label" in out and not out["label"]:
        errors["label"] = "This field is required."
    if errors:
        raise validation_error(errors)
    return out


@transaction.atomic
def custom_field_create(*, actor, data: dict[str, Any]) -> CustomField:
    access.ensure_feature(actor, Feature.SETTINGS)
    values = _clean_field(data, existing=None)
    if "position" not in values:
        top = CustomField.objects.filter(object_type=values["object_type"]).aggregate(top=Max("position"))["top"]
        values["position"] = (top or 0) + 1
    field = CustomField(**values)
    try:
        with transaction.atomic():
            field.save()
    except IntegrityError:
        raise Conflict("duplicate", "A field with this key exists already.", {"key": "This key is taken."}) from None
    audit.record(actor=actor, action="create", obj=field, object_type="custom_field", changes={
        k: [None, v] for k, v in values.items()
    })  # fmt: skip
    # Lists sort by it through an index of its own, built in the background (seconds to minutes at a million
    # records); until then they sort without it.
    from ..tasks import build_custom_sort_index

    jobs.enqueue(build_custom_sort_index, field.pk)
    return field


@transaction.atomic
def custom_field_update(*, actor, field: CustomField, data: dict[str, Any]) -> CustomField:
    """Label, help, required, position, choices and currency can change; key, type and target cannot."""
    access.ensure_feature(actor, Feature.SETTINGS)
    fixed = {"key", "field_type", "object_type", "reference_type"} & set(data)
    if any(data[k] != getattr(field, k) for k in fixed):
        raise validation_error(dict.fromkeys(fixed, "This cannot change once the field exists."))
    values = _clean_field({k: v for k, v in data.items() if k not in fixed}, existing=field)
    before = audit.snapshot(field, values.keys())
    for name, value in values.items():
        setattr(field, name, value)
    if "is_active" in data:
        field.is_active = normalize.clean_bool(data["is_active"])
        before.setdefault("is_active", not field.is_active)
    field.save()
    changes = audit.diff(before, audit.snapshot(field, before.keys()))
    if changes:
        audit.record(actor=actor, action="update", obj=field, object_type="custom_field", changes=changes)
    return field


@transaction.atomic
def custom_field_delete(*, actor, field: CustomField) -> None:
    """Removes the definition. Values stay in the records' data until they are next saved, invisible."""
    access.ensure_feature(actor, Feature.SETTINGS)
    audit.record(
        actor=actor, action="delete", obj=field, object_type="custom_field", changes={"key": [field.key, None]}
    )
    with connection.cursor() as cursor:
        cursor.execute(list_sql.custom_sort_index_sql(field, drop=True))
    deferred_indexes.forget(list_sql.custom_sort_index_name(field))  # dropped by a big import meanwhile
    field.delete()


@transaction.atomic
def field_policy_update(*, actor, object_type: str, required_fields: list[str]) -> FieldPolicy:
    access.ensure_feature(actor, Feature.SETTINGS)
    if object_type not in MANDATORY_CHOICES:
        raise NotFound()
    unknown = set(required_fields) - set(MANDATORY_CHOICES[object_type])
    if unknown:
        raise validation_error({"required_fields": f"Unknown fields: {', '.join(sorted(unknown))}."})
    policy, _ = FieldPolicy.objects.select_for_update().get_or_create(object_type=object_type)
    before = sorted(policy.required_fields)
    policy.required_fields = sorted(set(required_fields))
    policy.save()
    if before != policy.required_fields:
        audit.record(actor=actor, action="update", obj=policy, object_type="field_policy",
                     object_repr=f"Mandatory fields of {object_type}",
                     changes={"required_fields": [before, policy.required_fields]})  # fmt: skip
    return policy


# --- tags --------------------------------------------------------------------------------------------


@transaction.atomic
def tag_update(*, actor, tag: Tag, data: dict[str, Any]) -> Tag:
    access.ensure_feature(actor, Feature.SETTINGS)
    try:
        name = normalize.clean_text(data.get("name", tag.name), max_length=60)
        color = normalize.clean_text(data.get("color", tag.color), max_length=20)
    except normalize.Invalid as exc:
        raise validation_error({"name": str(exc)}) from None
    if not name:
        raise validation_error({"name": "This field is required."})
    before = audit.snapshot(tag, ("name", "color"))
    tag.name, tag.color = name, color
    try:
        with transaction.atomic():
            tag.save()
    except IntegrityError:
        raise Conflict("duplicate", "A tag with this name exists.", {"name": "This name is taken."}) from None
    audit.record(actor=actor, action="update", obj=tag, object_type="tag",
                 changes=audit.diff(before, audit.snapshot(tag, ("name", "color"))))  # fmt: skip
    return tag


@transaction.atomic
def tag_delete(*, actor, tag: Tag) -> None:
    access.ensure_feature(actor, Feature.SETTINGS)
    audit.record(actor=actor, action="delete", obj=tag, object_type="tag", changes={"name": [tag.name, None]})
    tag.delete()


# --- saved views -------------------------------------------------------------------------------------

VIEW_OBJECTS = ("contact", "company")


def _clean_view(data: dict, *, partial: bool) -> dict:
    errors, out = {}, {}
    if "name" in data or not partial:
        try:
            out["name"] = normalize.clean_text(data.get("name"), max_length=100)
        except normalize.Invalid as exc:
            errors["name"] = str(exc)
        if not out.get("name") and "name" not in errors:
            errors["name"] = "This field is required."
    if not partial:
        out["object_type"] = str(data.get("object_type") or "")
        if out["object_type"] not in VIEW_OBJECTS:
            errors["object_type"] = f"Choose one of: {', '.join(VIEW_OBJECTS)}."
    if "shared" in data:
        out["shared"] = bool(data["shared"])
    if "filters" in data:
        if not isinstance(data["filters"], dict):
            errors["filters"] = "Give filters as an object."
        else:
            out["filters"] = data["filters"]
    if "columns" in data:
        columns = data["columns"] or []
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            errors["columns"] = "Give columns as a list of field names."
        else:
            out["columns"] = columns
    if "ordering" in data:
        out["ordering"] = str(data["ordering"] or "")[:60]
    if errors:
        raise validation_error(errors)
    return out


def _check_view_content(object_type: str, values: dict) -> None:
    """Filters, columns and ordering must name fields the list knows."""
    from ..selectors import lists

    spec = lists.LIST_SPECS[object_type]
    errors = spec.check_view(
        filters=values.get("filters"), columns=values.get("columns"), ordering=values.get("ordering")
    )
    if errors:
        raise validation_error(errors)


@transaction.atomic
def saved_view_create(*, actor, data: dict[str, Any]) -> SavedView:
    values = _clean_view(data, partial=False)
    _check_view_content(values["object_type"], values)
    if values.get("shared") and not access.has_feature(actor, Feature.BULK):
        raise PermissionDenied("You may not share views.")
    view = SavedView.objects.create(owner=actor, **values)
    audit.record(actor=actor, action="create", obj=view, object_type="saved_view", changes={"name": [None, view.name]})
    return view


@transaction.atomic
def saved_view_update(*, actor, view: SavedView, data: dict[str, Any]) -> SavedView:
    if view.owner_id != actor.pk and not access.has_feature(actor, Feature.SETTINGS):
        raise PermissionDenied("Only its owner changes a saved view.")
    values = _clean_view(data, partial=True)
    _check_view_content(view.object_type, values)
    if values.get("shared") and not view.shared and not access.has_feature(actor, Feature.BULK):
        raise PermissionDenied("You may not share views.")
    fields = tuple(values)
    before = audit.snapshot(view, fields)
    for name, value in values.items():
        setattr(view, name, value)
    view.save()
    changes = audit.diff(before, audit.snapshot(view, fields))
    if changes:
        audit.record(actor=actor, action="update", obj=view, object_type="saved_view", changes=changes)
    return view


@transaction.atomic
def saved_view_delete(*, actor, view: SavedView) -> None:
    if view.owner_id != actor.pk and not access.has_feature(actor, Feature.SETTINGS):
        raise PermissionDenied("Only its owner deletes a saved view.")
    audit.record(actor=actor, action="delete", obj=view, object_type="saved_view", changes={"name": [view.name, None]})
    view.delete()
