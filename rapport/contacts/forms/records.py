"""The contact and company forms: payloads for the services, refusals back onto their inputs."""

from django import forms
from django.forms import formset_factory

from rapport.core.errors import ApplicationError
from rapport.core.forms import QuickSelect, raise_for_http
from rapport.users.models import TIME_ZONE_CHOICES

from .. import normalize
from ..enums import Channel, FieldType, LifecycleStage, SizeBand, Stance
from ..schema import RecordSchema
from .choices import assignable_owners, assignable_teams, user_label, with_blank
from .custom import custom_form_field, custom_initial
from .references import REFERENCE_MODELS, ReferenceInput, reference_label, resolve_reference
from .rows import ROW_KEY, ROW_KINDS, AddressRow, text_field

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
        self.fields["owner"] = forms.ChoiceField(
            label="Owner", required=False, choices=with_blank(owner_choices, "Nobody"), widget=QuickSelect
        )
        self.fields["team"] = forms.ChoiceField(
            label="Team", required=False, choices=with_blank(team_choices, "No team"),
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
        if match := ROW_KEY.match(key):
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
        f["prefix"] = text_field("Prefix", max_length=30, placeholder="Dr, Ms…")
        f["first_name"] = text_field("First name", max_length=100, autocomplete="off")
        f["middle_name"] = text_field("Middle name", max_length=100)
        f["last_name"] = text_field("Last name", max_length=100, autocomplete="off")
        f["suffix"] = text_field("Suffix", max_length=30, placeholder="Jr, PhD…")
        f["display_name"] = forms.CharField(
            label="Display name", required=False, widget=forms.TextInput({"maxlength": 300}),
            help_text="Leave empty to build it from the name.",
        )  # fmt: skip
        f["job_title"] = text_field("Job title", max_length=150)
        f["department"] = text_field("Department", max_length=150)
        f["birth_date"] = forms.CharField(
            label="Date of birth", required=False, widget=forms.DateInput({"type": "date"})
        )
        f["language"] = text_field("Language", max_length=10, placeholder="en, pt-BR…")
        f["time_zone"] = forms.CharField(
            label="Time zone", required=False, widget=QuickSelect(choices=with_blank(TIME_ZONE_CHOICES))
        )
        f["lifecycle_stage"] = forms.CharField(
            label="Lifecycle stage", required=False, widget=forms.Select(choices=with_blank(LifecycleStage.choices))
        )
        f["lead_source"] = text_field("Lead source", max_length=100, placeholder="webinar, referral…")
        f["preferred_channel"] = forms.CharField(
            label="Preferred channel",
            required=False,
            widget=forms.Select(choices=with_blank(Channel.choices, "No preference")),
        )
        for channel, label in (("email", "Email"), ("phone", "Phone calls"), ("sms", "SMS"), ("post", "Post")):
            f[f"{channel}_opt_in"] = forms.BooleanField(label=f"{label}: agreed to be contacted", required=False)
        f["do_not_contact"] = forms.BooleanField(
            label="Do not contact", required=False, help_text="Overrides every opt-in: nobody reaches out."
        )
        f["stance"] = forms.CharField(
            label="Stance", required=False, widget=forms.Select(choices=with_blank(Stance.choices, "Unknown")),
            help_text="How this person feels about us.",
        )  # fmt: skip
        f["stance_reason"] = forms.CharField(
            label="Why", required=False, widget=forms.Textarea({"rows": 2, "maxlength": 500})
        )
        f.update(_social())
        f["external_id"] = text_field("External id", max_length=200)
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
        f["name"] = text_field("Name", max_length=200, autocomplete="off")
        f["name"].required = True
        f["legal_name"] = text_field("Legal name", max_length=200)
        f["industry"] = text_field("Industry", max_length=100)
        f["size_band"] = forms.CharField(
            label="Size (employees)", required=False, widget=forms.Select(choices=with_blank(SizeBand.choices))
        )
        f["annual_revenue"] = forms.CharField(
            label="Annual revenue", required=False, widget=forms.NumberInput({"step": "0.01", "min": "0"})
        )
        f["revenue_currency"] = text_field("Currency", max_length=3, placeholder="EUR")
        f["phone"] = forms.CharField(
            label="Phone", required=False, widget=forms.TextInput({"type": "tel", "maxlength": 40})
        )
        f["parent"] = forms.CharField(
            label="Parent company", required=False, widget=ReferenceInput("company"),
            help_text="The group this company belongs to.",
        )  # fmt: skip
        f.update(_social())
        f["external_id"] = text_field("External id", max_length=200)
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
