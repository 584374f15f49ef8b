"""Forms of the contact and company pages.

They turn what the browser sends into the services' payloads and put the services' refusals back next to the
right inputs (``emails[1]`` onto the second email row, ``addresses[0].country`` onto the first address's
country, ``custom.renewal_date`` onto that custom field). Validation itself is the services' job: the fields
here are mostly plain text so that the service's message is the one shown.

A record form is a Django form for the single-valued fields plus one formset per multi-valued part (emails,
phones, addresses, companies, domains). Each row may be left empty (it is ignored); the primary row is a radio
button named ``<rows>-primary`` holding the row's index.
"""

import functools
import re
from dataclasses import dataclass
from datetime import datetime

import pycountry
from django import forms
from django.db.models import Q
from django.forms import formset_factory
from django.urls import reverse_lazy
from django.utils import timezone

from rapport.core.errors import ApplicationError
from rapport.core.forms import raise_for_http
from rapport.users import access
from rapport.users.enums import Operation, Scope
from rapport.users.models import TIME_ZONE_CHOICES, Team, User

from . import normalize
from .enums import Channel, FieldType, LifecycleStage, SizeBand, Stance
from .models import Company, Contact
from .schema import RecordSchema

# --- choices -----------------------------------------------------------------------------------------


@functools.cache
def country_choices() -> list[tuple[str, str]]:
    countries = sorted(pycountry.countries, key=lambda c: getattr(c, "common_name", c.name))
    return [("", "—")] + [(c.alpha_2, getattr(c, "common_name", c.name)) for c in countries]


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code) if code else None
    return getattr(country, "common_name", country.name) if country else code


def _blank(choices, label="—"):
    return [("", label), *choices]


def assignable_owners(actor, object_type: str):
    """Active users a record may be given to: anyone (all), the actor's team (team) or the actor (own)."""
    scope = access.scope_of(actor, object_type, Operation.WRITE)
    users = access.scoped(User.objects.filter(is_active=True), actor=actor, object_type="user")
    if scope == Scope.TEAM:
        users = users.filter(Q(pk=actor.pk) | Q(team_id=actor.team_id)) if actor.team_id else users.filter(pk=actor.pk)
    elif scope != Scope.ALL:
        users = users.filter(pk=actor.pk)
    return users.order_by("first_name", "last_name", "username")


def assignable_teams(actor, object_type: str):
    scope = access.scope_of(actor, object_type, Operation.WRITE)
    teams = access.scoped(Team.objects.all(), actor=actor, object_type="team").order_by("name")
    if scope == Scope.TEAM:
        return teams.filter(pk=actor.team_id or 0)
    return teams


def user_label(user) -> str:
    return user.get_full_name() or user.username


# --- references to records (a text input with suggestions) --------------------------------------------

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


# --- rows of multi-valued parts ------------------------------------------------------------------------


def _text(label, *, max_length=None, **attrs):
    widget_attrs = {**({"maxlength": max_length} if max_length else {}), **attrs}
    return forms.CharField(label=label, required=False, strip=False, widget=forms.TextInput(widget_attrs))


class EmailRow(forms.Form):
    email = forms.CharField(
        label="Email", required=False, widget=forms.EmailInput({"autocomplete": "off", "maxlength": 254})
    )
    label = _text("Label", max_length=30, placeholder="work, home…", list="email-labels")


class PhoneRow(forms.Form):
    number = forms.CharField(
        label="Phone", required=False, widget=forms.TextInput({"type": "tel", "autocomplete": "off", "maxlength": 40})
    )
    label = _text("Label", max_length=30, placeholder="mobile, work…", list="phone-labels")


class AddressRow(forms.Form):
    label = _text("Label", max_length=30, placeholder="office, home…")
    street = _text("Street", max_length=200, autocomplete="off")
    number = _text("Number", max_length=30)
    extra = _text("Address line 2", max_length=200)
    postcode = _text("Postcode", max_length=20)
    city = _text("City", max_length=100)
    region = _text("Region", max_length=100)
    country = forms.CharField(label="Country", required=False, widget=forms.Select(choices=()))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = country_choices()
        current = self["country"].value()
        if current and current not in dict(choices):  # keep whatever was entered, so its error can show
            choices = [*choices, (current, current)]
        self.fields["country"].widget.choices = choices


class MembershipRow(forms.Form):
    company = forms.CharField(label="Company", required=False, widget=ReferenceInput("company"))
    role = _text("Role", max_length=150, placeholder="e.g. Head of purchasing")


class DomainRow(forms.Form):
    domain = _text("Domain", max_length=253, placeholder="example.com", autocomplete="off")


@dataclass(frozen=True)
class RowKind:
    """A multi-valued part of a record, edited as rows."""

    name: str  # the payload key and formset prefix: emails
    form: type[forms.Form]
    main: str  # the row's main field: errors without a part go there, a row without it is empty
    title: str
    add_label: str
    required_key: str  # its name in the mandatory-fields policy

    def payload(self, row: dict, primary: bool) -> dict | None:
        """The service's item for one row, or None for an empty row."""
        values = {k: (v or "").strip() if isinstance(v, str) else v for k, v in row.items()}
        if self.name == "addresses":
            if not any(values.get(k) for k in AddressRow.base_fields if k != "label"):
                return None
            return {**{k: values.get(k, "") for k in AddressRow.base_fields}, "is_primary": primary}
        if not values.get(self.main):
            return None
        return {**{k: values.get(k, "") for k in self.form.base_fields}, "is_primary": primary}


ROW_KINDS = {
    "emails": RowKind("emails", EmailRow, "email", "Email addresses", "Add an email address", "email"),
    "phones": RowKind("phones", PhoneRow, "number", "Phone numbers", "Add a phone number", "phone"),
    "addresses": RowKind("addresses", AddressRow, "street", "Addresses", "Add an address", "address"),
    "companies": RowKind("companies", MembershipRow, "company", "Companies", "Add a company", "company"),
    "domains": RowKind("domains", DomainRow, "domain", "Domains", "Add a domain", "domain"),
}

_ROW_KEY = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?$")


def add_row(data, name: str):
    """A copy of posted data with one more (empty) row of ``name``: the "add another" button without JS."""
    data = data.copy()
    key = f"{name}-TOTAL_FORMS"
    try:
        total = int(data.get(key, 0))
    except (TypeError, ValueError):
        total = 0
    data[key] = str(min(total + 1, 100))
    return data


# --- custom fields -------------------------------------------------------------------------------------

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
        return forms.CharField(widget=forms.Select(choices=_blank([(c, c) for c in cf.choices])), **common)
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


# --- the record forms ----------------------------------------------------------------------------------

SOCIAL_FIELDS = ("linkedin", "x", "facebook", "instagram", "website")


def _social():
    labels = {"linkedin": "LinkedIn", "x": "X", "facebook": "Facebook", "instagram": "Instagram", "website": "Website"}
    return {
        name: forms.CharField(
            label=labels[name],
            required=False,
            widget=forms.URLInput({"placeholder": "https://" if name == "website" else "URL or @handle"}),
        )
        for name in SOCIAL_FIELDS
    }


class RecordForm(forms.Form):
    """What the contact and company forms share: owner and team, tags, custom fields, rows and errors."""

    object_type = ""
    row_names: tuple[str, ...] = ()
    SECTION_OF = {"email": "emails", "phone": "phones", "address": "addresses", "company": "companies",
                  "domain": "domains"}  # fmt: skip

    def __init__(self, data=None, *, actor, schema: RecordSchema, instance=None, only=None, references=None):
        super().__init__(data)
        self.actor, self.schema, self.instance = actor, schema, instance
        self.only = set(only) if only else None
        self.section_errors: dict[str, list[str]] = {}
        self.row_positions: dict[str, list[int]] = {}
        self._initial_primary: dict[str, int] = {}
        self._add_fields()
        if self.only is None or self.only & {"owner", "team"}:
            self._add_ownership()
        self.fields["tags"] = forms.CharField(
            label="Tags", required=False, help_text="Separate tags with commas.",
            widget=forms.TextInput({"list": "tag-options", "autocomplete": "off"}),
        )  # fmt: skip
        self.custom_names = {}
        for cf in schema.custom_fields:
            name = f"cf_{cf.key}"
            self.fields[name] = custom_form_field(cf)
            self.custom_names[name] = cf
        for name in schema.required:
            if name in self.fields:
                self.fields[name].required = True
        if self.only is not None:
            for name in list(self.fields):
                if name not in self.only:
                    del self.fields[name]
        self.rowsets = {}
        for name in self.row_names:
            if self.only is None or name in self.only:
                self.rowsets[name] = self._rowset(name)
        if instance is not None and data is None:
            self._set_initial(references or {})

    # --- building ----------------------------------------------------------------------------------

    def _add_fields(self) -> None:  # the subclass's single-valued fields
        raise NotImplementedError

    def _add_ownership(self) -> None:
        owners = list(assignable_owners(self.actor, self.object_type))
        teams = list(assignable_teams(self.actor, self.object_type))
        owner_choices = [(str(u.pk), user_label(u)) for u in owners]
        team_choices = [(str(t.pk), t.name) for t in teams]
        current = self.instance
        if current is not None and current.owner_id and str(current.owner_id) not in dict(owner_choices):
            owner_choices.append((str(current.owner_id), user_label(current.owner)))
        if current is not None and current.team_id and str(current.team_id) not in dict(team_choices):
            team_choices.append((str(current.team_id), current.team.name))
        self.fields["owner"] = forms.ChoiceField(label="Owner", required=False, choices=_blank(owner_choices, "Nobody"))
        self.fields["team"] = forms.ChoiceField(
            label="Team", required=False, choices=_blank(team_choices, "No team"),
            help_text="Follows the owner's team unless you choose another one.",
        )  # fmt: skip
        if current is None:
            self.initial.setdefault("owner", str(self.actor.pk) if str(self.actor.pk) in dict(owner_choices) else "")
            self.initial.setdefault("team", str(self.actor.team_id or ""))

    def _rowset(self, name: str):
        kind = ROW_KINDS[name]
        formset_class = formset_factory(kind.form, extra=0, max_num=100, absolute_max=100)
        if self.is_bound:
            return formset_class(self.data, prefix=name)
        initial = self._initial_rows(name) if self.instance is not None else []
        return formset_class(initial=initial or [{}], prefix=name)

    def _initial_rows(self, name: str) -> list[dict]:
        return []

    def _set_initial(self, references: dict) -> None:
        obj = self.instance
        for name in self.fields:
            if name in self.custom_names:
                cf = self.custom_names[name]
                self.initial[name] = custom_initial(cf, obj.custom.get(cf.key), references)
            elif name == "owner":
                self.initial[name] = str(obj.owner_id or "")
            elif name == "team":
                self.initial[name] = str(obj.team_id or "")
            elif name == "tags":
                self.initial[name] = ", ".join(t.name for t in obj.tags.all())
            elif hasattr(obj, name) and name not in self.initial:
                value = getattr(obj, name)
                self.initial[name] = "" if value is None else value

    # --- state -------------------------------------------------------------------------------------

    def primary_index(self, name: str) -> int | None:
        """The index of the row marked primary (posted, else the instance's)."""
        if self.is_bound:
            value = self.data.get(f"{name}-primary")
            return int(value) if value and str(value).isdigit() else None
        return self._initial_primary.get(name, 0)

    def is_valid(self) -> bool:
        if hasattr(self, "_valid"):
            return self._valid
        valid = super().is_valid()
        for name, rowset in self.rowsets.items():
            if not rowset.is_valid():
                valid = False
                self.section_errors.setdefault(name, []).extend(str(e) for e in rowset.non_form_errors())
                continue
            if name == "companies":
                for form in rowset.forms:
                    try:
                        form.cleaned_data["company"] = resolve_reference(
                            self.actor, "company", form.cleaned_data.get("company")
                        )
                    except forms.ValidationError as exc:
                        form.add_error("company", exc)
                        valid = False
        self._valid = valid
        return valid

    @property
    def has_errors(self) -> bool:
        """Whether anything is to be shown as refused: a field, a row or a whole part."""
        if not self.is_bound:
            return False
        return bool(self.errors) or any(self.section_errors.values()) or self.row_errors

    def clean(self):
        data = super().clean()
        for name, cf in self.custom_names.items():
            if name in data and cf.field_type == FieldType.REFERENCE and cf.reference_type in REFERENCE_MODELS:
                try:
                    data[name] = resolve_reference(self.actor, cf.reference_type, data[name])
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        return data

    # --- to the service ----------------------------------------------------------------------------

    def service_data(self) -> dict:
        data: dict = {}
        cleaned = self.cleaned_data
        custom = {}
        for name, value in cleaned.items():
            if name in self.custom_names:
                custom[self.custom_names[name].key] = value if value not in ("",) else None
            elif name in ("owner", "team"):
                continue
            else:
                data[name] = value
        if custom:
            data["custom"] = custom
        data.update(self._ownership_data())
        for name, rowset in self.rowsets.items():
            data[name] = self._rows_payload(name, rowset)
        return data

    def _ownership_data(self) -> dict:
        cleaned = self.cleaned_data
        out = {}
        if "owner" not in cleaned:
            return out
        owner, team = cleaned.get("owner") or None, cleaned.get("team") or None
        before_owner = str(self.instance.owner_id or "") if self.instance else str(self.actor.pk)
        before_team = str(self.instance.team_id or "") if self.instance else str(self.actor.team_id or "")
        owner_changed = (owner or "") != before_owner
        team_changed = "team" in cleaned and (team or "") != before_team
        if self.instance is None or owner_changed:
            out["owner"] = int(owner) if owner else None
        if team_changed or (self.instance is None and not owner_changed and "team" in cleaned):
            out["team"] = int(team) if team else None
        return out

    def _rows_payload(self, name: str, rowset) -> list[dict]:
        kind = ROW_KINDS[name]
        primary = self.primary_index(name)
        items, positions = [], []
        for index, form in enumerate(rowset.forms):
            row = getattr(form, "cleaned_data", None) or {}
            item = kind.payload(row, primary == index)
            if item is not None:
                items.append(item)
                positions.append(index)
        self.row_positions[name] = positions
        return items

    @property
    def row_errors(self) -> bool:
        return any(f.errors for rowset in self.rowsets.values() for f in rowset.forms)

    # --- errors back from the service --------------------------------------------------------------

    def apply_error(self, exc: ApplicationError) -> None:
        """Show a service's refusal next to the inputs it is about (NotFound: 404, PermissionDenied: 403)."""
        raise_for_http(exc)
        for key, messages in exc.fields.items():
            for message in messages:
                self._place(key, message)
        if not exc.fields:
            self.add_error(None, exc.message)

    def _place(self, key: str, message: str) -> None:
        if match := _ROW_KEY.match(key):
            name, index, part = match.group(1), int(match.group(2)), match.group(3)
            rowset = self.rowsets.get(name)
            positions = self.row_positions.get(name, [])
            if rowset is not None and index < len(positions):
                form = rowset.forms[positions[index]]
                form.add_error(part if part in form.fields else ROW_KINDS[name].main, message)
                return
            if rowset is not None:
                self.section_errors.setdefault(name, []).append(message)
                return
        if key.startswith("custom.") and f"cf_{key[7:]}" in self.fields:
            self.add_error(f"cf_{key[7:]}", message)
            return
        if key in self.fields:
            self.add_error(key, message)
            return
        section = self.SECTION_OF.get(key)
        if section in self.rowsets:
            self.section_errors.setdefault(section, []).append(message)
            return
        if key == "owner" and "team" in self.fields:
            self.add_error("team", message)
            return
        self.add_error(None, message)

    def rows(self, name: str) -> dict:
        """What a template needs to draw a multi-valued part."""
        kind = ROW_KINDS[name]
        rowset = self.rowsets[name]
        primary = self.primary_index(name)
        return {
            "kind": kind,
            "formset": rowset,
            "primary": primary if primary is not None else 0,
            "errors": self.section_errors.get(name, []),
            "required": kind.required_key in self.schema.required,
        }

    @property
    def parts(self) -> dict[str, dict]:
        """``rows(name)`` of every multi-valued part on the form, for templates."""
        return {name: self.rows(name) for name in self.rowsets}

    def custom_fields(self):
        return [self[name] for name in self.custom_names if name in self.fields]


class ContactForm(RecordForm):
    object_type = "contact"
    row_names = ("emails", "phones", "addresses", "companies")

    def _add_fields(self) -> None:
        f = self.fields
        f["prefix"] = _text("Prefix", max_length=30, placeholder="Dr, Ms…")
        f["first_name"] = _text("First name", max_length=100, autocomplete="off")
        f["middle_name"] = _text("Middle name", max_length=100)
        f["last_name"] = _text("Last name", max_length=100, autocomplete="off")
        f["suffix"] = _text("Suffix", max_length=30, placeholder="Jr, PhD…")
        f["display_name"] = forms.CharField(
            label="Display name", required=False, widget=forms.TextInput({"maxlength": 300}),
            help_text="Leave empty to build it from the name.",
        )  # fmt: skip
        f["job_title"] = _text("Job title", max_length=150)
        f["department"] = _text("Department", max_length=150)
        f["birth_date"] = forms.CharField(
            label="Date of birth", required=False, widget=forms.DateInput({"type": "date"})
        )
        f["language"] = _text("Language", max_length=10, placeholder="en, pt-BR…")
        f["time_zone"] = forms.CharField(
            label="Time zone", required=False, widget=forms.Select(choices=_blank(TIME_ZONE_CHOICES))
        )
        f["lifecycle_stage"] = forms.CharField(
            label="Lifecycle stage", required=False, widget=forms.Select(choices=_blank(LifecycleStage.choices))
        )
        f["lead_source"] = _text("Lead source", max_length=100, placeholder="webinar, referral…")
        f["preferred_channel"] = forms.CharField(
            label="Preferred channel",
            required=False,
            widget=forms.Select(choices=_blank(Channel.choices, "No preference")),
        )
        for channel, label in (("email", "Email"), ("phone", "Phone calls"), ("sms", "SMS"), ("post", "Post")):
            f[f"{channel}_opt_in"] = forms.BooleanField(label=f"{label}: agreed to be contacted", required=False)
        f["do_not_contact"] = forms.BooleanField(
            label="Do not contact", required=False, help_text="Overrides every opt-in: nobody reaches out."
        )
        f["stance"] = forms.CharField(
            label="Stance", required=False, widget=forms.Select(choices=_blank(Stance.choices, "Unknown")),
            help_text="How this person feels about us.",
        )  # fmt: skip
        f["stance_reason"] = forms.CharField(
            label="Why", required=False, widget=forms.Textarea({"rows": 2, "maxlength": 500})
        )
        f.update(_social())
        f["external_id"] = _text("External id", max_length=200)
        f["external_id"].help_text = "The contact's id in another system."

    def _initial_rows(self, name: str) -> list[dict]:
        obj = self.instance
        if name == "emails":
            items = list(obj.emails.all())
            rows = [{"email": e.email, "label": e.label} for e in items]
        elif name == "phones":
            items = list(obj.phones.all())
            rows = [{"number": p.display or normalize.format_phone(p.number), "label": p.label} for p in items]
        elif name == "addresses":
            items = list(obj.addresses.all())
            rows = [{k: getattr(a, k) for k in AddressRow.base_fields} for a in items]
        elif name == "companies":
            items = list(obj.memberships.all())
            rows = [{"company": reference_label(m.company), "role": m.role} for m in items]
        else:
            return []
        self._initial_primary[name] = next((i for i, item in enumerate(items) if item.is_primary), 0)
        return rows

    def _set_initial(self, references: dict) -> None:
        super()._set_initial(references)
        obj = self.instance
        if "display_name" in self.fields:
            automatic = normalize.display_name(
                prefix=obj.prefix, first=obj.first_name, middle=obj.middle_name, last=obj.last_name, suffix=obj.suffix
            )
            self.initial["display_name"] = "" if obj.display_name in (automatic, obj.email) else obj.display_name
        if "birth_date" in self.fields and obj.birth_date:
            self.initial["birth_date"] = obj.birth_date.isoformat()
        if "time_zone" in self.fields and obj.time_zone:
            self.initial["time_zone"] = obj.time_zone


class CompanyForm(RecordForm):
    object_type = "company"
    row_names = ("domains", "addresses")

    def _add_fields(self) -> None:
        f = self.fields
        f["name"] = _text("Name", max_length=200, autocomplete="off")
        f["name"].required = True
        f["legal_name"] = _text("Legal name", max_length=200)
        f["industry"] = _text("Industry", max_length=100)
        f["size_band"] = forms.CharField(
            label="Size (employees)", required=False, widget=forms.Select(choices=_blank(SizeBand.choices))
        )
        f["annual_revenue"] = forms.CharField(
            label="Annual revenue", required=False, widget=forms.NumberInput({"step": "0.01", "min": "0"})
        )
        f["revenue_currency"] = _text("Currency", max_length=3, placeholder="EUR")
        f["phone"] = forms.CharField(
            label="Phone", required=False, widget=forms.TextInput({"type": "tel", "maxlength": 40})
        )
        f["parent"] = forms.CharField(
            label="Parent company", required=False, widget=ReferenceInput("company"),
            help_text="The group this company belongs to.",
        )  # fmt: skip
        f.update(_social())
        f["external_id"] = _text("External id", max_length=200)
        f["external_id"].help_text = "The company's id in another system."

    def _initial_rows(self, name: str) -> list[dict]:
        obj = self.instance
        if name == "domains":
            items = list(obj.domains.all())
            rows = [{"domain": d.domain} for d in items]
        elif name == "addresses":
            items = list(obj.addresses.all())
            rows = [{k: getattr(a, k) for k in AddressRow.base_fields} for a in items]
        else:
            return []
        self._initial_primary[name] = next((i for i, item in enumerate(items) if item.is_primary), 0)
        return rows

    def _set_initial(self, references: dict) -> None:
        super()._set_initial(references)
        obj = self.instance
        if "parent" in self.fields:
            self.initial["parent"] = reference_label(obj.parent) if obj.parent_id else ""
        if "phone" in self.fields:
            self.initial["phone"] = obj.phone_display or normalize.format_phone(obj.phone)
        if "annual_revenue" in self.fields:
            self.initial["annual_revenue"] = "" if obj.annual_revenue is None else str(obj.annual_revenue)

    def clean(self):
        data = super().clean()
        if "parent" in data:
            try:
                data["parent"] = resolve_reference(self.actor, "company", data["parent"])
            except forms.ValidationError as exc:
                self.add_error("parent", exc)
        return data


FORMS = {"contact": ContactForm, "company": CompanyForm}
