"""``rapport demo``: a realistic data set, loaded fast, once, and as consistent as what the services store."""

import io
import time
from collections import Counter
from datetime import timedelta

import phonenumbers
import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from rapport.activities import selectors as activity_selectors
from rapport.activities.enums import InteractionKind
from rapport.activities.models import Interaction, InteractionLink, Note, Task
from rapport.contacts import hooks, normalize, services
from rapport.contacts.models import (
    Address,
    Company,
    CompanyDomain,
    Contact,
    ContactEmail,
    ContactPhone,
    CustomField,
    Membership,
)
from rapport.core.models import AuditEntry
from rapport.users.models import User
from tests.factories import UserFactory, role


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo loaded once for the module (rolled back at its end); each test runs in a savepoint inside."""
    changed = []

    def listener(object_type, ids):
        changed.append((object_type, len(ids)))

    hooks.on_records_changed(listener)
    with django_db_blocker.unblock(), transaction.atomic():
        UserFactory(username="root", role=role("admin"))
        out = io.StringIO()
        started = time.monotonic()
        call_command("demo", stdout=out)
        seconds = time.monotonic() - started
        yield {"output": out.getvalue(), "seconds": seconds, "changed": changed}
        transaction.set_rollback(True)
    hooks._LISTENERS.remove(listener)


pytestmark = pytest.mark.django_db


def test_counts_are_in_range(demo):
    assert "500 companies" in demo["output"] and "2,000 contacts" in demo["output"]
    assert Company.objects.count() == 500 and Contact.objects.count() == 2000
    assert Interaction.objects.count() == 20_000
    assert 1_000 <= Note.objects.count() <= 2_000
    assert 400 <= Task.objects.count() <= 800
    assert User.objects.count() == 13  # 12 demo users and the admin
    assert demo["seconds"] < 60  # a few seconds in practice: bulk inserts
    assert ("contact", 2000) in demo["changed"] and ("company", 500) in demo["changed"]


def test_running_it_again_adds_nothing(demo):
    before = (Company.objects.count(), Contact.objects.count(), Interaction.objects.count(), Note.objects.count(),
              Task.objects.count(), CustomField.objects.count(), InteractionLink.objects.count())  # fmt: skip
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "already there" in out.getvalue()
    after = (Company.objects.count(), Contact.objects.count(), Interaction.objects.count(), Note.objects.count(),
             Task.objects.count(), CustomField.objects.count(), InteractionLink.objects.count())  # fmt: skip
    assert after == before


def test_companies_form_groups_a_few_levels_deep(demo):
    parents = dict(Company.objects.values_list("pk", "parent_id"))

    def depth(pk):
        n = 0
        while parents[pk] is not None:
            pk, n = parents[pk], n + 1
        return n

    depths = Counter(depth(pk) for pk in parents)
    assert depths[1] >= 50 and depths[2] >= 10 and max(depths) >= 3
    assert 20 <= sum(1 for pk in parents if parents[pk] is None and pk in set(parents.values())) <= 80


def test_people_come_from_many_countries_with_valid_numbers(demo):
    countries = set(Address.objects.values_list("country", flat=True))
    assert len(countries) >= 12 and all(normalize.clean_country(c) == c for c in countries)
    names = set(Contact.objects.values_list("last_name", flat=True))
    assert {"Müller", "Dubois", "Kowalski", "Sato"} & names
    for number in ContactPhone.objects.values_list("number", flat=True)[:500]:
        assert phonenumbers.is_valid_number(phonenumbers.parse(number)), number
    for number in Company.objects.exclude(phone="").values_list("phone", flat=True):
        assert phonenumbers.is_valid_number(phonenumbers.parse(number)), number


def test_contacts_hold_what_the_services_would(demo):
    # The copies on the contact match its primary email, phone and company.
    primary_email = dict(ContactEmail.objects.filter(is_primary=True).values_list("contact_id", "email"))
    primary_phone = dict(ContactPhone.objects.filter(is_primary=True).values_list("contact_id", "number"))
    primary_company = dict(Membership.objects.filter(is_primary=True).values_list("contact_id", "company_id"))
    domains = dict(Company.objects.values_list("pk", "domain"))
    for contact in Contact.objects.all():
        assert contact.email == primary_email[contact.pk] == normalize.clean_email(contact.email)
        assert contact.phone == primary_phone.get(contact.pk, "")
        assert contact.company_id == primary_company.get(contact.pk)
        if contact.company_id:
            assert contact.email.endswith("@" + domains[contact.company_id])
        assert contact.display_name == normalize.display_name(first=contact.first_name, last=contact.last_name)
        if contact.lifecycle_stage:
            assert contact.lifecycle_stage in contact.lifecycle_dates
            assert sorted(contact.lifecycle_dates.values())[-1] == contact.lifecycle_dates[contact.lifecycle_stage]
        assert contact.team_id == (contact.owner.team_id if contact.owner_id else None)
    assert (
        ContactEmail.objects.values("contact")
        .annotate(n=Count("pk", filter=Q(is_primary=True)))
        .filter(n__gt=1)
        .count()
        == 0
    )
    assert not Company.objects.exclude(domain__in=CompanyDomain.objects.filter(is_primary=True).values("domain"))
    assert Contact.objects.filter(created_at__lt=timezone.now() - timedelta(days=365)).count() > 500


def test_the_services_find_nothing_to_correct(demo):
    """Saving a sample through the services changes neither completeness nor any audited field."""
    admin = User.objects.get(username="root")
    for contact in Contact.objects.order_by("?")[:40]:
        before = contact.completeness
        services.contact_update(actor=admin, contact=contact, data={})
        contact.refresh_from_db()
        assert contact.completeness == before
    for company in Company.objects.order_by("?")[:20]:
        before = company.completeness
        services.company_update(actor=admin, company=company, data={})
        company.refresh_from_db()
        assert company.completeness == before
    assert not AuditEntry.objects.filter(action="update", object_type__in=("contact", "company")).exists()


def test_custom_fields_and_tags(demo):
    fields = dict(CustomField.objects.values_list("key", "field_type"))
    assert fields == {"contract_renewal": "date", "plan": "choice", "arr": "money", "nps": "number",
                      "interests": "multi_choice"}  # fmt: skip
    plans = Counter(Company.objects.values_list("custom__plan", flat=True))
    assert plans["Enterprise"] > 10 and plans["Starter"] > plans["Enterprise"]
    company = Company.objects.filter(custom__plan="Enterprise").first()
    assert isinstance(company.custom["arr"], int) and company.custom["contract_renewal"][:2] == "20"
    assert Contact.objects.filter(tags__name="VIP").exists() and Company.objects.filter(tags__name="Partner").exists()


def test_interactions_span_channels_time_and_timelines(demo):
    kinds = set(Interaction.objects.values_list("kind", flat=True))
    assert kinds == set(InteractionKind.values)
    oldest = Interaction.objects.order_by("occurred_at").first().occurred_at
    assert timezone.now() - oldest > timedelta(days=600)
    assert not Interaction.objects.filter(occurred_at__gt=timezone.now()).exists()
    purchase = Interaction.objects.filter(kind="purchase").first()
    assert purchase.amount > 0 and len(purchase.currency) == 3 and purchase.product
    assert len(set(Interaction.objects.filter(kind="purchase").values_list("currency", flat=True))) >= 5
    # Links copy the time and the kind, and reach the contact's primary company too.
    assert not InteractionLink.objects.exclude(occurred_at=F("interaction__occurred_at")).exists()
    assert not InteractionLink.objects.exclude(kind=F("interaction__kind")).exists()
    assert not Interaction.objects.filter(links__isnull=True).exists()
    missing = InteractionLink.objects.filter(contact__company__isnull=False).exclude(
        interaction__links__company=F("contact__company")
    )
    assert not missing.exists()
    assert InteractionLink.objects.filter(company__isnull=False).count() > 15_000


def test_demo_users_have_tasks_for_every_day(demo):
    user = User.objects.get(username="james.carter")
    with timezone.override(user.time_zone):
        groups = activity_selectors.my_tasks(actor=user)
    assert groups["overdue"] and groups["today"] and groups["upcoming"]
    assert Task.objects.filter(assignee=user, status="done", completed_at__isnull=False).count() > 10
    assert set(Task.objects.values_list("assignee__team__name", flat=True)) >= {
        "Sales Americas",
        "Sales Europe",
        "Marketing",
        "Customer Support",
    }
    owners = Counter(Contact.objects.values_list("owner__username", flat=True))
    assert len(owners) >= 8 and owners[None] < 150
