"""The rows of multi-valued parts (emails, phones, addresses, companies, domains) and their formsets."""

import re
from dataclasses import dataclass

from django import forms

from rapport.core.forms import QuickSelect

from .choices import country_choices
from .references import ReferenceInput


def text_field(label, *, max_length=None, **attrs):
    widget_attrs = {**({"maxlength": max_length} if max_length else {}), **attrs}
    return forms.CharField(label=label, required=False, strip=False, widget=forms.TextInput(widget_attrs))


class EmailRow(forms.Form):
    email = forms.CharField(
        label="Email", required=False, widget=forms.EmailInput({"autocomplete": "off", "maxlength": 254})
    )
    label = text_field("Label", max_length=30, placeholder="work, home…", list="email-labels")


class PhoneRow(forms.Form):
    number = forms.CharField(
        label="Phone", required=False, widget=forms.TextInput({"type": "tel", "autocomplete": "off", "maxlength": 40})
    )
    label = text_field("Label", max_length=30, placeholder="mobile, work…", list="phone-labels")


class AddressRow(forms.Form):
    label = text_field("Label", max_length=30, placeholder="office, home…")
    street = text_field("Street", max_length=200, autocomplete="off")
    number = text_field("Number", max_length=30)
    extra = text_field("Address line 2", max_length=200)
    postcode = text_field("Postcode", max_length=20)
    city = text_field("City", max_length=100)
    region = text_field("Region", max_length=100)
    country = forms.CharField(label="Country", required=False, widget=QuickSelect(choices=()))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = country_choices()
        current = self["country"].value()
        if current and current not in dict(choices):  # keep whatever was entered, so its error can show
            choices = [*choices, (current, current)]
        self.fields["country"].widget.choices = choices


class MembershipRow(forms.Form):
    company = forms.CharField(label="Company", required=False, widget=ReferenceInput("company"))
    role = text_field("Role", max_length=150, placeholder="e.g. Head of purchasing")


class DomainRow(forms.Form):
    domain = text_field("Domain", max_length=253, placeholder="example.com", autocomplete="off")


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

ROW_KEY = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?$")


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
