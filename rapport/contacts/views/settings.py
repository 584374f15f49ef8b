"""The data hub's settings pages (custom fields, mandatory fields, tags) and the data-quality page.

Settings need the settings feature (others get 403); every write goes through the settings services, which
check it again. The data-quality page is for everyone: it counts and lists only the records the user may see.
"""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_POST

from rapport.core.errors import ApplicationError
from rapport.core.forms import apply_application_error, raise_for_http
from rapport.core.listing import paginate
from rapport.core.ui import can_read, confirm, get_or_404, posted, require
from rapport.users import access
from rapport.users.enums import Feature

from .. import selectors, services
from ..enums import CustomizableObject, FieldType
from ..models import Tag
from ..schema import KEY_FIELDS, MANDATORY_CHOICES
from ..services.settings import REFERENCE_TYPES

OBJECT_TYPES = dict(CustomizableObject.choices)  # {"contact": "Contacts", "company": "Companies"}
CHOICE_TYPES = (FieldType.CHOICE, FieldType.MULTI_CHOICE)
HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
TAG_COLORS = [
    ("", "No colour"),
    ("#64748b", "Slate"),
    ("#dc2626", "Red"),
    ("#ea580c", "Orange"),
    ("#ca8a04", "Yellow"),
    ("#16a34a", "Green"),
    ("#0d9488", "Teal"),
    ("#2563eb", "Blue"),
    ("#4f46e5", "Indigo"),
    ("#9333ea", "Purple"),
    ("#db2777", "Pink"),
]
QUALITY_PAGE = 50


def _require_settings(actor) -> None:
    require(access.has_feature(actor, Feature.SETTINGS))


def _object_type(value: str) -> str:
    if value not in OBJECT_TYPES:
        raise Http404
    return value


def _refused(form, exc: ApplicationError) -> int:
    apply_application_error(form, exc)
    return exc.status


# --- forms -------------------------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class CustomFieldForm(forms.Form):
    """A custom field's definition. Once it exists, its key, type and target are fixed (``field`` given)."""

    label = forms.CharField(max_length=100)
    key = forms.CharField(
        required=False,
        max_length=60,
        help_text="Its name in the API, imports and exports: lower-case letters, digits and underscores. "
        "Made from the label if empty; it cannot change later.",
    )
    field_type = forms.ChoiceField(label="Type", choices=FieldType.choices)
    reference_type = forms.ChoiceField(
        label="Refers to",
        required=False,
        choices=[("", "Choose…"), *((t, t.capitalize()) for t in REFERENCE_TYPES)],
        help_text="For references: the kind of record the value points to.",
    )
    currency = forms.CharField(
        required=False, max_length=3, help_text="For money: the ISO currency code of the amounts, such as EUR."
    )
    choices = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="For choice fields: one choice per line, in the order shown. Removing a choice leaves records "
        "that have it unchanged.",
    )
    help_text = forms.CharField(label="Help text", required=False, max_length=300, help_text="Shown under the field.")
    required = forms.BooleanField(label="Required on every record", required=False)
    position = forms.IntegerField(
        required=False, min_value=0, help_text="Fields are shown in this order; empty puts a new field last."
    )

    FIXED = ("key", "field_type", "reference_type")

    def __init__(self, data=None, *, field=None):
        self.field = field
        initial = None
        if field is not None:
            initial = {
                "label": field.label,
                "help_text": field.help_text,
                "required": field.required,
                "position": field.position,
                "currency": field.currency,
                "choices": "\n".join(field.choices),
            }
        super().__init__(data, initial=initial)
        if field is not None:
            for name in self.FIXED:
                del self.fields[name]
            if field.field_type not in CHOICE_TYPES:
                del self.fields["choices"]
            if field.field_type != FieldType.MONEY:
                del self.fields["currency"]

    @property
    def chosen_type(self) -> str:
        if self.field is not None:
            return self.field.field_type
        return (self.cleaned_data.get("field_type") if hasattr(self, "cleaned_data") else "") or ""

    def clean_key(self):
        return (self.cleaned_data.get("key") or "").strip().lower()

    def clean(self):
        data = super().clean()
        field_type = self.chosen_type
        if field_type in CHOICE_TYPES and "choices" in self.fields and not _lines(data.get("choices", "")):
            self.add_error("choices", "Give at least one choice.")
        if field_type == FieldType.REFERENCE and self.field is None and not data.get("reference_type"):
            self.add_error("reference_type", "Choose the kind of record it refers to.")
        return data

    def service_data(self) -> dict:
        data = self.cleaned_data
        field_type = self.chosen_type
        out = {"label": data["label"], "help_text": data.get("help_text") or "", "required": data["required"]}
        if data.get("position") is not None:
            out["position"] = data["position"]
        if self.field is None:
            out["field_type"] = field_type
            if data.get("key"):
                out["key"] = data["key"]
            if field_type == FieldType.REFERENCE:
                out["reference_type"] = data.get("reference_type") or ""
        if field_type in CHOICE_TYPES:
            out["choices"] = _lines(data.get("choices", ""))
        if field_type == FieldType.MONEY:
            out["currency"] = data.get("currency") or ""
        return out


class MandatoryFieldsForm(forms.Form):
    required_fields = forms.MultipleChoiceField(
        label="Mandatory fields", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, data=None, *, object_type: str, current: list[str]):
        super().__init__(data, initial={"required_fields": current})
        self.fields["required_fields"].choices = list(MANDATORY_CHOICES[object_type].items())


class TagForm(forms.Form):
    name = forms.CharField(max_length=60)
    color = forms.ChoiceField(label="Colour", required=False, widget=forms.RadioSelect)

    def __init__(self, data=None, *, tag: Tag):
        super().__init__(data, initial={"name": tag.name, "color": tag.color})
        choices = list(TAG_COLORS)
        if tag.color and tag.color not in dict(choices):
            choices.append((tag.color, f"Current ({tag.color})"))
        self.fields["color"].choices = choices


class QualityFilterForm(forms.Form):
    missing = forms.ChoiceField(label="Missing", required=False)
    below = forms.IntegerField(
        label="Completeness under (%)", required=False, min_value=1, max_value=100, initial=100,
        widget=forms.NumberInput(attrs={"step": "5"}),
    )  # fmt: skip
    sort = forms.ChoiceField(
        label="Order", required=False, choices=[("completeness", "Least complete first"), ("name", "Name")]
    )

    def __init__(self, data=None, *, object_type: str):
        super().__init__(data)
        labels = MANDATORY_CHOICES[object_type]
        self.fields["missing"].choices = [("", "Any key field")] + [(k, labels[k]) for k in KEY_FIELDS[object_type]]


# --- custom fields -----------------------------------------------------------------------------------------


@login_required
def settings_fields_home(request):
    return redirect("settings_fields", object_type="contact")


@login_required
def settings_fields(request, object_type):
    actor = request.user
    _require_settings(actor)
    object_type = _object_type(object_type)
    fields = list(selectors.custom_field_list(actor=actor, object_type=object_type, include_archived=True))
    context = {
        "object_type": object_type,
        "object_label": OBJECT_TYPES[object_type],
        "object_types": OBJECT_TYPES,
        "active": [f for f in fields if f.is_active],
        "archived": [f for f in fields if not f.is_active],
        "section": "fields",
    }
    return render(request, "contacts/settings_fields.html", context)


def _field_form_page(request, *, form, object_type, field=None, status=200):
    context = {
        "form": form,
        "field": field,
        "object_type": object_type,
        "object_label": OBJECT_TYPES[object_type],
        "object_types": OBJECT_TYPES,
        "section": "fields",
        "type_class": f"is-{field.field_type}".replace("multi_", "") if field else "",
    }
    return render(request, "contacts/settings_field_form.html", context, status=status)


@login_required
def settings_field_create(request, object_type):
    actor = request.user
    _require_settings(actor)
    object_type = _object_type(object_type)
    form = CustomFieldForm(posted(request))
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                field = services.custom_field_create(
                    actor=actor, data={**form.service_data(), "object_type": object_type}
                )
            except ApplicationError as exc:
                status = _refused(form, exc)
            else:
                messages.success(
                    request, f"The field “{field.label}” was added to {OBJECT_TYPES[object_type].lower()}."
                )
                return redirect("settings_fields", object_type=object_type)
    return _field_form_page(request, form=form, object_type=object_type, status=status)


@login_required
def settings_field_edit(request, pk):
    actor = request.user
    _require_settings(actor)
    field = get_or_404(selectors.custom_field_get, actor=actor, pk=pk)
    form = CustomFieldForm(posted(request), field=field)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.custom_field_update(actor=actor, field=field, data=form.service_data())
            except ApplicationError as exc:
                status = _refused(form, exc)
            else:
                messages.success(request, f"The field “{field.label}” was saved.")
                return redirect("settings_fields", object_type=field.object_type)
    return _field_form_page(request, form=form, object_type=field.object_type, field=field, status=status)


@login_required
@require_POST
def settings_field_archive(request, pk):
    """Archive (hide, keeping the values) or bring back a field."""
    actor = request.user
    _require_settings(actor)
    field = get_or_404(selectors.custom_field_get, actor=actor, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.custom_field_update(actor=actor, field=field, data={"is_active": active})
    except ApplicationError as exc:
        raise_for_http(exc)
        messages.error(request, exc.message)
    else:
        verb = "is back" if active else "was archived: it is hidden, and its values are kept"
        messages.success(request, f"The field “{field.label}” {verb}.")
    return redirect("settings_fields", object_type=field.object_type)


@login_required
def settings_field_delete(request, pk):
    actor = request.user
    _require_settings(actor)
    field = get_or_404(selectors.custom_field_get, actor=actor, pk=pk)
    if request.method != "POST":
        return confirm(
            request,
            title=f"Delete the field “{field.label}”?",
            message=f"It disappears from every {field.object_type}, list, import and export, and its values are "
            "dropped as records are next saved. This cannot be undone: to hide it and keep the values, "
            "archive it instead.",
            action_label="Delete field",
            cancel_url=reverse("settings_fields", args=[field.object_type]),
        )
    try:
        services.custom_field_delete(actor=actor, field=field)
    except ApplicationError as exc:
        raise_for_http(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The field “{field.label}” was deleted.")
    return redirect("settings_fields", object_type=field.object_type)


# --- mandatory fields ------------------------------------------------------------------------------------


@login_required
def settings_mandatory(request, object_type):
    actor = request.user
    _require_settings(actor)
    object_type = _object_type(object_type)
    current = selectors.field_policy(object_type=object_type)
    form = MandatoryFieldsForm(posted(request), object_type=object_type, current=current)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.field_policy_update(
                    actor=actor, object_type=object_type, required_fields=form.cleaned_data["required_fields"]
                )
            except ApplicationError as exc:
                status = _refused(form, exc)
            else:
                messages.success(request, f"Mandatory fields of {OBJECT_TYPES[object_type].lower()} were saved.")
                return redirect("settings_mandatory", object_type=object_type)
    context = {
        "form": form,
        "object_type": object_type,
        "object_label": OBJECT_TYPES[object_type],
        "object_types": OBJECT_TYPES,
        "section": "mandatory",
    }
    return render(request, "contacts/settings_mandatory.html", context, status=status)


# --- tags ------------------------------------------------------------------------------------------------


def _usage(through, fk: str):
    """How many records carry each tag (a subquery per tag, so big tags do not multiply rows)."""
    counts = through.objects.filter(tag=OuterRef("pk")).values("tag").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def safe_color(color: str) -> str:
    """A tag's colour if it is one a style attribute may carry (#rrggbb), else nothing."""
    return color if color and HEX_COLOR.fullmatch(color) else ""


@login_required
def settings_tags(request):
    actor = request.user
    _require_settings(actor)
    q = request.GET.get("q", "").strip()[:60]
    tags = selectors.tag_list(actor=actor, q=q).annotate(
        contact_count=_usage(Tag.contacts.through, "contact"), company_count=_usage(Tag.companies.through, "company")
    )
    page = paginate(request, tags.order_by("name", "pk"), per_page=50)
    for tag in page:
        tag.swatch = safe_color(tag.color)
    return render(request, "contacts/settings_tags.html", {"page": page, "q": q, "section": "tags"})


@login_required
def settings_tag_edit(request, pk):
    actor = request.user
    _require_settings(actor)
    tag = get_or_404(selectors.tag_get, actor=actor, pk=pk)
    old_name = tag.name
    form = TagForm(posted(request), tag=tag)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.tag_update(actor=actor, tag=tag, data=form.cleaned_data)
            except ApplicationError as exc:
                tag.name = old_name
                status = _refused(form, exc)
            else:
                messages.success(request, f"The tag “{tag.name}” was saved.")
                return redirect("settings_tags")
    context = {"form": form, "tag": tag, "section": "tags", "colors": [(v, label, safe_color(v)) for v, label in
               form.fields["color"].choices]}  # fmt: skip
    return render(request, "contacts/settings_tag_form.html", context, status=status)


@login_required
def settings_tag_delete(request, pk):
    actor = request.user
    _require_settings(actor)
    tag = get_or_404(selectors.tag_get, actor=actor, pk=pk)
    if request.method != "POST":
        return confirm(
            request,
            title=f"Delete the tag “{tag.name}”?",
            message="It is taken off every contact and company that has it. This cannot be undone.",
            action_label="Delete tag",
            cancel_url=reverse("settings_tags"),
        )
    try:
        services.tag_delete(actor=actor, tag=tag)
    except ApplicationError as exc:
        raise_for_http(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The tag “{tag.name}” was deleted.")
    return redirect("settings_tags")


# --- data quality ----------------------------------------------------------------------------------------


def record_url(object_type: str, pk) -> str:
    try:
        return reverse(f"{object_type}_detail", args=[pk])
    except NoReverseMatch:
        return f"/{'contacts' if object_type == 'contact' else 'companies'}/{pk}/"


def _missing(object_type: str, row) -> list[str]:
    """The key fields a record lacks, by label (addresses prefetched)."""
    labels = MANDATORY_CHOICES[object_type]
    out = []
    for key in KEY_FIELDS[object_type]:
        if key == "address":
            empty = not row.addresses.all()
        elif key in ("company", "owner"):
            empty = getattr(row, f"{key}_id") is None
        else:
            empty = not getattr(row, key)
        if empty:
            out.append(labels[key])
    return out


@login_required
def data_quality(request):
    """How complete the visible contacts and companies are: per key field the records lacking it, and the
    records missing a chosen field (or under a completeness threshold), least complete first."""
    actor = request.user
    readable = [t for t in OBJECT_TYPES if can_read(actor, t)]
    require(bool(readable))
    object_type = request.GET.get("type") if request.GET.get("type") in readable else readable[0]
    form = QualityFilterForm(request.GET or None, object_type=object_type)
    data = form.cleaned_data if form.is_valid() else {}
    missing, below = data.get("missing") or "", data.get("below") or 100
    sort = data.get("sort") or "completeness"

    visible = selectors.contact_queryset(actor=actor) if object_type == "contact" else selectors.company_queryset(
        actor=actor
    )  # fmt: skip
    total, total_capped = selectors.capped_count(visible)
    labels = MANDATORY_CHOICES[object_type]
    summary = [
        {"key": key, "label": labels[key], "count": count, "share": round(100 * count / total) if total else 0}
        for key, count in selectors.data_quality_summary(actor=actor, object_type=object_type).items()
    ]

    queryset = selectors.data_quality(actor=actor, object_type=object_type, missing=missing or None, below=below)
    queryset = queryset.select_related("owner").prefetch_related("addresses")
    spec = selectors.LIST_SPECS[object_type]
    ordering = "completeness" if sort == "completeness" else spec.default_ordering
    cursor, cursor_error = request.GET.get("cursor") or None, None
    try:
        rows, next_cursor = spec.page(queryset, ordering=ordering, cursor=cursor, limit=QUALITY_PAGE)
    except ApplicationError as exc:
        raise_for_http(exc)
        cursor_error = "This page link is out of date; here is the first page again."
        rows, next_cursor = spec.page(queryset, ordering=ordering, cursor=None, limit=QUALITY_PAGE)
    for row in rows:
        row.link = record_url(object_type, row.pk)
        row.missing_labels = _missing(object_type, row)

    context = {
        "object_type": object_type,
        "object_types": [(t, OBJECT_TYPES[t]) for t in readable],
        "form": form,
        "summary": summary,
        "total": total,
        "total_capped": total_capped,
        "rows": rows,
        "next_cursor": next_cursor,
        "cursor": cursor,
        "cursor_error": cursor_error,
        "missing": missing,
        "missing_label": labels.get(missing, ""),
        "below": below,
    }
    if request.htmx and request.htmx.target == "quality-results":
        return render(request, "contacts/data_quality_results.html", context)
    return render(request, "contacts/data_quality.html", context)


urlpatterns = [
    path("settings/fields/", settings_fields_home, name="settings_fields_home"),
    path("settings/fields/<str:object_type>/", settings_fields, name="settings_fields"),
    path("settings/fields/<str:object_type>/new/", settings_field_create, name="settings_field_create"),
    path("settings/fields/field/<int:pk>/edit/", settings_field_edit, name="settings_field_edit"),
    path("settings/fields/field/<int:pk>/archive/", settings_field_archive, name="settings_field_archive"),
    path("settings/fields/field/<int:pk>/delete/", settings_field_delete, name="settings_field_delete"),
    path("settings/mandatory/<str:object_type>/", settings_mandatory, name="settings_mandatory"),
    path("settings/tags/", settings_tags, name="settings_tags"),
    path("settings/tags/<int:pk>/edit/", settings_tag_edit, name="settings_tag_edit"),
    path("settings/tags/<int:pk>/delete/", settings_tag_delete, name="settings_tag_delete"),
    path("data-quality/", data_quality, name="data_quality"),
]
