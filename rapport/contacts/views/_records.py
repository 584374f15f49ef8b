"""What the contact and company pages share besides the lists: the create and edit forms, the delete
confirmation, in-place editing of single fields on the card, and the record lookup behind the pickers.

Each page module describes its object type once (a ``RecordKind``) and binds these views to it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe
from django_htmx.http import trigger_client_event

from rapport.core.errors import ApplicationError
from rapport.core.forms import raise_for_http
from rapport.core.ui import confirm, get_or_404, require
from rapport.users import access
from rapport.users.enums import Operation

from .. import custom_values
from ..enums import FieldType
from ..forms import REFERENCE_MODELS, RecordForm, add_row, referenced_records
from ..schema import KEY_FIELDS, MANDATORY_CHOICES, RecordSchema


@dataclass(frozen=True)
class InlineField:
    """A part of the card that can be edited in place: its label and the form fields (or rows) it edits."""

    name: str
    label: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class RecordKind:
    object_type: str  # contact
    noun: str  # contact
    nouns: str  # contacts
    title: str  # Contacts
    name_field: str  # display_name
    form: type[RecordForm]
    get: Callable
    queryset: Callable
    select: Callable  # the list selector: (actor, filters, spec) -> queryset
    create: Callable
    update: Callable  # (actor, record, data)
    delete: Callable
    bulk_update: Callable
    bulk_tag: Callable
    bulk_delete: Callable
    bulk_fields: tuple[str, ...]  # what bulk updates may set besides owner and team
    inline: dict[str, InlineField] = field(default_factory=dict)
    search_placeholder: str = "Search…"

    def url(self, name: str, *args) -> str:
        return reverse(f"{self.object_type}_{name}", args=args)

    @property
    def urls(self) -> dict[str, str]:
        """The object type's addresses that take no argument, for templates."""
        names = ("list", "create", "bulk", "bulk_delete", "view_create", "filter_row", "lookup")
        urls = {name: self.url(name) for name in names}
        try:  # the export pages (another module) take the list's query string and the selected ids
            urls["export"] = self.url("export")
        except NoReverseMatch:
            urls["export"] = f"/{'contacts' if self.object_type == 'contact' else 'companies'}/export/"
        try:  # the import pages (another module) choose the object type by ?type=
            urls["import"] = f"{reverse('import_upload')}?type={self.object_type}"
        except NoReverseMatch:
            urls["import"] = ""
        return urls

    def may_create(self, actor) -> bool:
        return access.can_create(actor, self.object_type, owner_id=actor.pk, team_id=actor.team_id)


def status_of(exc: ApplicationError) -> int:
    return exc.status if exc.status >= 400 else 400


# --- create, edit, delete ----------------------------------------------------------------------------


def _form_from_request(request, kind: RecordKind, *, schema, instance=None, only=None, references=None):
    """The bound form of a POST (with one more row when an "add another" button sent it), else the initial one."""
    adding = request.POST.get("_add") if request.method == "POST" else None
    data = request.POST if request.method == "POST" else None
    if adding and data is not None and adding in kind.form.row_names:
        data = add_row(data, adding)
    form = kind.form(data, actor=request.user, schema=schema, instance=instance, only=only, references=references)
    return form, adding


def _references(request, schema, record) -> dict:
    return referenced_records(request.user, schema.custom_fields, [record.custom]) if record is not None else {}


def record_create(request, kind: RecordKind):
    actor = request.user
    require(kind.may_create(actor))
    schema = RecordSchema.load(kind.object_type)
    form, adding = _form_from_request(request, kind, schema=schema)
    status = 200
    if request.method == "POST" and not adding:
        if form.is_valid():
            try:
                record = kind.create(actor=actor, data=form.service_data(), schema=schema)
            except ApplicationError as exc:
                form.apply_error(exc)
                status = status_of(exc)
            else:
                messages.success(request, f"{record} was created.")
                return redirect(kind.url("detail", record.pk))
        else:
            status = 422
    return _form_page(request, kind, form=form, record=None, status=status, focus=adding)


def record_edit(request, kind: RecordKind, pk):
    actor = request.user
    record = get_or_404(kind.get, actor=actor, pk=pk)
    require(access.can(actor, record, Operation.WRITE))
    schema = RecordSchema.load(kind.object_type)
    form, adding = _form_from_request(
        request, kind, schema=schema, instance=record, references=_references(request, schema, record)
    )
    status = 200
    if request.method == "POST" and not adding:
        if form.is_valid():
            try:
                kind.update(actor=actor, record=record, data=form.service_data(), schema=schema)
            except ApplicationError as exc:
                form.apply_error(exc)
                status = status_of(exc)
            else:
                messages.success(request, f"{record} was saved.")
                return redirect(kind.url("detail", record.pk))
        else:
            status = 422
    return _form_page(request, kind, form=form, record=record, status=status, focus=adding)


def _form_page(request, kind: RecordKind, *, form, record, status, focus=None):
    context = {
        "kind": kind,
        "form": form,
        "record": record,
        "focus_rows": focus,
        "cancel_url": kind.url("detail", record.pk) if record else kind.url("list"),
        "tag_options": _tag_options(),
    }
    return render(request, f"contacts/{kind.object_type}_form.html", context, status=status)


def _tag_options() -> list[str]:
    from ..models import Tag

    return list(Tag.objects.order_by("name").values_list("name", flat=True)[:300])


def record_delete(request, kind: RecordKind, pk):
    actor = request.user
    record = get_or_404(kind.get, actor=actor, pk=pk)
    require(access.can(actor, record, Operation.WRITE))
    if request.method != "POST":
        message = (
            "Its subsidiaries move up one level and its people stay, without this company. This cannot be undone."
            if kind.object_type == "company"
            else "Their emails, phones, addresses and company links go with them. This cannot be undone."
        )
        return confirm(
            request,
            title=f"Delete {record}?",
            message=message,
            action_label=f"Delete {kind.noun}",
            cancel_url=kind.url("detail", record.pk),
        )
    try:
        kind.delete(actor=actor, record=record)
    except ApplicationError as exc:
        raise_for_http(exc)
        messages.error(request, exc.message)
        return redirect(kind.url("detail", record.pk))
    messages.success(request, f"{record} was deleted.")
    return redirect(kind.url("list"))


# --- the card ------------------------------------------------------------------------------------------


def completeness(kind: RecordKind, record, present: dict[str, bool]) -> dict:
    labels = MANDATORY_CHOICES[kind.object_type]
    missing = [labels[k] for k in KEY_FIELDS[kind.object_type] if not present.get(k)]
    return {"score": record.completeness, "missing": missing}


def custom_rows(actor, schema: RecordSchema, record) -> list[dict]:
    """The record's custom values as the card shows them (references as links)."""
    references = referenced_records(actor, schema.custom_fields, [record.custom])
    rows = []
    for cf in schema.custom_fields:
        value = record.custom.get(cf.key)
        row = {"field": cf, "text": custom_values.display_value(cf, value), "url": None, "external": False}
        if cf.field_type == FieldType.REFERENCE and value is not None and cf.reference_type in REFERENCE_MODELS:
            obj = references.get((cf.reference_type, value))
            row["text"] = str(obj) if obj else "A record you cannot see"
            row["url"] = reverse(f"{cf.reference_type}_detail", args=[value]) if obj else None
        elif value:
            # Only a value valid for the field's type becomes a link (never a javascript: URL).
            row["url"] = custom_values.link_of(cf, value)
            row["external"] = cf.field_type == FieldType.URL and row["url"] is not None
        rows.append(row)
    return rows


def inline_fields(kind: RecordKind, record, *, writable: bool) -> dict[str, dict]:
    """The card's editable parts by name: label, URLs, and whether the actor may edit them."""
    out = {}
    for name, spec in kind.inline.items():
        url = kind.url("field", record.pk, name)
        out[name] = {"name": name, "label": spec.label, "url": url, "editable": writable}
    return out


# --- editing one part of the card in place -------------------------------------------------------------


def record_field(request, kind: RecordKind, pk, name: str, *, card_context: Callable[..., dict]):
    """GET: the part as shown (``?edit=1``: its form); POST: save it. htmx gets fragments, others full pages.

    ``card_context(request, record)`` gives what the part's template needs besides the record.
    """
    actor = request.user
    spec = kind.inline.get(name)
    if spec is None:
        raise Http404
    record = get_or_404(kind.get, actor=actor, pk=pk)
    writable = access.can(actor, record, Operation.WRITE)
    editing = request.method == "POST" or "edit" in request.GET
    if not editing:
        if not request.htmx:
            return redirect(kind.url("detail", record.pk))
        return _field_display(request, kind, record, name, writable=writable, card_context=card_context)
    require(writable)
    schema = RecordSchema.load(kind.object_type)
    references = _references(request, schema, record) if request.method != "POST" else None
    form, adding = _form_from_request(request, kind, schema=schema, instance=record, only=spec.fields,
                                      references=references)  # fmt: skip
    status = 200
    if request.method == "POST" and not adding:
        if form.is_valid():
            try:
                kind.update(actor=actor, record=record, data=form.service_data(), schema=schema)
            except ApplicationError as exc:
                form.apply_error(exc)
                status = status_of(exc)
            else:
                if not request.htmx:
                    messages.success(request, f"{spec.label} was saved.")
                    return redirect(kind.url("detail", record.pk))
                record = get_or_404(kind.get, actor=actor, pk=pk)
                response = _field_display(
                    request, kind, record, name, writable=writable, card_context=card_context, saved=True
                )
                return trigger_client_event(
                    response, "rapport:toast", {"message": f"{spec.label} saved.", "level": "success"}
                )
        else:
            status = 422
    parts = [{"rows": form.rows(n)} if n in form.rowsets else {"field": form[n]} for n in spec.fields
             if n in form.rowsets or n in form.fields]  # fmt: skip
    context = {
        "kind": kind,
        "record": record,
        "form": form,
        "f": inline_fields(kind, record, writable=True)[name],
        "spec": spec,
        "parts": parts,
        "single": len(parts) == 1 and "field" in parts[0],
        "detail_url": kind.url("detail", record.pk),
        "focus_rows": adding,
        "tag_options": _tag_options() if "tags" in spec.fields else [],
    }
    template = "contacts/_record_inline_form.html" if request.htmx else "contacts/_record_field_page.html"
    return render(request, template, context, status=status)


def _field_display(request, kind, record, name, *, writable, card_context, saved=False):
    context = {
        "kind": kind,
        "record": record,
        "f": inline_fields(kind, record, writable=writable)[name],
        "writable": writable,
        "saved": saved,
        **card_context(request, record),
    }
    return render(request, f"contacts/_card_{kind.object_type}_field.html", context)


# --- the lookup behind record pickers ------------------------------------------------------------------

LOOKUP_LIMIT = 20


@require_safe
def record_lookup(request, kind: RecordKind):
    """Suggestions for a record picker: ``<option>`` elements of the visible records matching ``q``."""
    from django.db.models import Q

    q = (request.GET.get("q") or "").strip()[:100]
    options: list[Any] = []
    if q:
        qs = kind.queryset(actor=request.user)
        text = q.split("·")[0].strip() or q
        condition = Q(**{f"{kind.name_field}__icontains": text})
        if kind.object_type == "contact":
            condition |= Q(email__istartswith=text)
        else:
            condition |= Q(domain__istartswith=text)
        if text.lstrip("#").isdigit():
            condition |= Q(pk=int(text.lstrip("#")))
        options = list(qs.filter(condition).order_by(kind.name_field, "pk")[:LOOKUP_LIMIT])
    return render(request, "contacts/_record_lookup.html", {"options": options, "kind": kind})
