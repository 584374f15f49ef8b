"""The contact pages: the list (filters, columns, saved views, bulk actions), the create and edit forms, the
card (a 360-degree view of the person, with parts editable in place) and the record lookup of pickers."""

import functools

import pycountry
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from rapport.core.ui import get_or_404
from rapport.users import access
from rapport.users.enums import Operation

from .. import card, normalize, selectors, services
from ..enums import LifecycleStage
from ..forms import ContactForm, country_name
from ..schema import RecordSchema
from . import _list_actions, _lists, _records
from ._records import InlineField, RecordKind


def _update(*, actor, record, data, schema=None):
    return services.contact_update(actor=actor, contact=record, data=data, schema=schema)


def _delete(*, actor, record):
    return services.contact_delete(actor=actor, contact=record)


KIND = RecordKind(
    object_type="contact",
    noun="contact",
    nouns="contacts",
    title="Contacts",
    name_field="display_name",
    form=ContactForm,
    get=selectors.contact_get,
    queryset=selectors.contact_queryset,
    select=selectors.contact_list,
    create=services.contact_create,
    update=_update,
    delete=_delete,
    bulk_update=services.contacts_bulk_update,
    bulk_tag=services.contacts_bulk_tag,
    bulk_delete=services.contacts_bulk_delete,
    bulk_fields=("lifecycle_stage",),
    inline={
        f.name: f
        for f in (
            InlineField("emails", "Email", ("emails",)),
            InlineField("phones", "Phone", ("phones",)),
            InlineField("job_title", "Job title", ("job_title",)),
            InlineField("department", "Department", ("department",)),
            InlineField("companies", "Companies", ("companies",)),
            InlineField("lifecycle_stage", "Lifecycle stage", ("lifecycle_stage",)),
            InlineField("lead_source", "Lead source", ("lead_source",)),
            InlineField("stance", "Stance", ("stance", "stance_reason")),
            InlineField("owner", "Owner", ("owner", "team")),
            InlineField("tags", "Tags", ("tags",)),
            InlineField(
                "preferences",
                "Preferences",
                ("preferred_channel", "email_opt_in", "phone_opt_in", "sms_opt_in", "post_opt_in", "do_not_contact"),
            ),
        )
    },
    search_placeholder="Search names…",
)

ABOUT = ("emails", "phones", "job_title", "department", "companies", "lifecycle_stage", "lead_source", "stance",
         "owner", "tags")  # fmt: skip


@functools.cache
def _language_name(code: str) -> str:
    base, _, region = code.partition("-")
    language = pycountry.languages.get(alpha_2=base) if len(base) == 2 else None
    name = language.name if language else code
    return f"{name} ({region})" if region else name


def card_context(request, contact, *, sections: bool = False) -> dict:
    """What the card (and each in-place edited part of it) shows, from the one loaded contact: a fixed
    number of queries, however many interactions, notes or tasks the contact has."""
    actor = request.user
    writable = access.can(actor, contact, Operation.WRITE)
    fields = _records.inline_fields(KIND, contact, writable=writable)
    emails, phones = list(contact.emails.all()), list(contact.phones.all())
    addresses, memberships = list(contact.addresses.all()), list(contact.memberships.all())
    for address in addresses:
        address.country_name = country_name(address.country)
    present = {
        "first_name": bool(contact.first_name), "last_name": bool(contact.last_name), "email": bool(emails),
        "phone": bool(phones), "company": bool(memberships), "job_title": bool(contact.job_title),
        "address": bool(addresses), "lifecycle_stage": bool(contact.lifecycle_stage),
        "owner": contact.owner_id is not None,
    }  # fmt: skip
    order = {value: i for i, value in enumerate(LifecycleStage.values)}
    labels = dict(LifecycleStage.choices)
    lifecycle = sorted(
        ({"stage": stage, "label": labels.get(stage, stage), "date": parse_date(str(day)) if day else None,
          "current": stage == contact.lifecycle_stage}
         for stage, day in (contact.lifecycle_dates or {}).items()),
        key=lambda item: order.get(item["stage"], 99),
    )  # fmt: skip
    context = {
        "kind": KIND,
        "record": contact,
        "contact": contact,
        "writable": writable,
        "fields": fields,
        "about": [fields[name] for name in ABOUT],
        "emails": emails,
        "phones": [
            {"number": p.number, "text": normalize.format_phone(p.number), "label": p.label, "is_primary": p.is_primary}
            for p in phones
        ],
        "addresses": addresses,
        "memberships": memberships,
        "tags": list(contact.tags.all()),
        "lifecycle": lifecycle,
        "completeness": _records.completeness(KIND, contact, present),
        "language_name": _language_name(contact.language) if contact.language else "",
        "social": [
            (label, getattr(contact, key))
            for key, label in (
                ("linkedin", "LinkedIn"),
                ("x", "X"),
                ("facebook", "Facebook"),
                ("instagram", "Instagram"),
                ("website", "Website"),
            )
            if getattr(contact, key)
        ],
    }
    if sections:
        schema = RecordSchema.load("contact")
        context["custom"] = _records.custom_rows(actor, schema, contact)
        context["sections"] = card.sections_for(request, contact, "contact")
    return context


@login_required
def contact_list(request):
    return _lists.record_list(request, KIND)


@login_required
def contact_filter_row(request):
    return _lists.filter_row(request, KIND)


@login_required
def contact_create(request):
    return _records.record_create(request, KIND)


@login_required
def contact_detail(request, pk):
    contact = get_or_404(selectors.contact_get, actor=request.user, pk=pk)
    return render(request, "contacts/contact_detail.html", card_context(request, contact, sections=True))


@login_required
def contact_edit(request, pk):
    return _records.record_edit(request, KIND, pk)


@login_required
def contact_delete(request, pk):
    return _records.record_delete(request, KIND, pk)


@login_required
def contact_field(request, pk, name):
    return _records.record_field(request, KIND, pk, name, card_context=card_context)


@login_required
def contact_lookup(request):
    return _records.record_lookup(request, KIND)


@login_required
@require_POST
def contact_bulk(request):
    return _list_actions.bulk(request, KIND)


@login_required
def contact_bulk_delete(request):
    return _list_actions.bulk_delete(request, KIND)


@login_required
def contact_view_create(request):
    return _list_actions.view_save(request, KIND)


@login_required
def contact_view_update(request, pk):
    return _list_actions.view_save(request, KIND, pk)


@login_required
def contact_view_delete(request, pk):
    return _list_actions.view_delete(request, KIND, pk)


urlpatterns = [
    path("contacts/", contact_list, name="contact_list"),
    path("contacts/new/", contact_create, name="contact_create"),
    path("contacts/lookup/", contact_lookup, name="contact_lookup"),
    path("contacts/filter-row/", contact_filter_row, name="contact_filter_row"),
    path("contacts/bulk/", contact_bulk, name="contact_bulk"),
    path("contacts/bulk/delete/", contact_bulk_delete, name="contact_bulk_delete"),
    path("contacts/views/new/", contact_view_create, name="contact_view_create"),
    path("contacts/views/<int:pk>/", contact_view_update, name="contact_view_update"),
    path("contacts/views/<int:pk>/delete/", contact_view_delete, name="contact_view_delete"),
    path("contacts/<int:pk>/", contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", contact_delete, name="contact_delete"),
    path("contacts/<int:pk>/field/<slug:name>/", contact_field, name="contact_field"),
]
