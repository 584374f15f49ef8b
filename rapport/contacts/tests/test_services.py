import pytest

from rapport.contacts import selectors, services
from rapport.contacts.models import Contact, ContactEmail, CustomField
from rapport.core.errors import ApplicationError, NotFound, PermissionDenied
from rapport.core.models import AuditEntry
from tests.factories import TeamFactory, UserFactory, make_company, make_contact, role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(role=role("admin"))


def test_create_cleans_every_part(admin):
    contact = make_contact(
        admin, first_name="  JEAN-LUC ", last_name="van der berg", emails=[{"email": " JL@Example.COM ", "label": "work"}],
        phones=["+33 6 12 34 56 78", "(415) 555-2671"], addresses=[{"city": "paris", "country": "France"}],
        linkedin="@jlvdb", lifecycle_stage="Lead", tags=["VIP", "vip", "north"],
    )  # fmt: skip
    contact.refresh_from_db()
    assert contact.first_name == "Jean-Luc"
    assert contact.display_name == "Jean-Luc Van der Berg"  # all lower case: title case, particles kept low
    assert contact.email == "jl@example.com"
    assert contact.phone == "+33612345678"
    assert list(contact.phones.values_list("number", flat=True)) == ["+33612345678", "+14155552671"]
    assert contact.addresses.get().country == "FR"
    assert contact.linkedin == "https://www.linkedin.com/in/jlvdb"
    assert contact.lifecycle_stage == "lead" and "lead" in contact.lifecycle_dates
    assert sorted(contact.tags.values_list("name", flat=True)) == ["VIP", "north"]
    assert contact.owner == admin and contact.completeness > 0
    assert AuditEntry.objects.filter(action="create", object_type="contact", object_id=str(contact.pk)).exists()


def test_invalid_values_are_refused_field_by_field(admin):
    with pytest.raises(ApplicationError) as exc:
        make_contact(
            admin, emails=["not-an-email"], phones=["12"], birth_date="31/02/2020", addresses=[{"country": "Atlantis"}]
        )
    assert set(exc.value.fields) == {"emails[0]", "phones[0]", "birth_date", "addresses[0].country"}
    assert not Contact.objects.exists()


def test_update_records_changes_and_stage_dates(admin):
    contact = make_contact(admin, email="a@x.test")
    services.contact_update(
        actor=admin,
        contact=contact,
        data={"lifecycle_stage": "customer", "stance": "advocate", "stance_reason": "Loves us", "email": "b@x.test"},
    )
    contact.refresh_from_db()
    assert contact.email == "b@x.test" and list(
        ContactEmail.objects.filter(contact=contact).values_list("email", flat=True)
    ) == ["b@x.test"]
    assert contact.stance_set_by == admin and contact.stance_set_at is not None
    assert "customer" in contact.lifecycle_dates
    entry = AuditEntry.objects.filter(action="update", object_id=str(contact.pk)).get()
    assert entry.changes["lifecycle_stage"] == ["", "customer"] and entry.changes["emails"] == [
        ["a@x.test"],
        ["b@x.test"],
    ]


def test_custom_fields_are_validated_and_required(admin):
    services.custom_field_create(
        actor=admin, data={"object_type": "contact", "label": "Renewal date", "field_type": "date"}
    )
    services.custom_field_create(
        actor=admin,
        data={
            "object_type": "contact",
            "label": "Plan",
            "field_type": "choice",
            "choices": ["Free", "Pro"],
            "required": True,
        },
    )
    with pytest.raises(ApplicationError) as exc:
        make_contact(admin, custom={"renewal_date": "someday"})
    assert set(exc.value.fields) == {"custom.renewal_date"}
    with pytest.raises(ApplicationError) as exc:
        make_contact(admin, custom={"renewal_date": "2026-12-01"})
    assert set(exc.value.fields) == {"custom.plan"}
    contact = make_contact(admin, custom={"renewal_date": "2026-12-01", "plan": "pro"})
    assert contact.custom == {"renewal_date": "2026-12-01", "plan": "Pro"}
    assert CustomField.objects.count() == 2


def test_mandatory_builtin_fields(admin):
    services.field_policy_update(actor=admin, object_type="contact", required_fields=["email"])
    with pytest.raises(ApplicationError) as exc:
        make_contact(admin)
    assert "email" in exc.value.fields
    make_contact(admin, email="ok@x.test")


def test_company_hierarchy_cannot_loop_and_rolls_up(admin):
    top = make_company(admin, name="Holding", domain="https://www.Holding.example/about")
    mid = make_company(admin, name="Mid", parent=top.pk)
    low = make_company(admin, name="Low", parent=mid.pk)
    assert top.domain == "holding.example"
    with pytest.raises(ApplicationError) as exc:
        services.company_update(actor=admin, company=top, data={"parent": low.pk})
    assert "parent" in exc.value.fields
    make_contact(admin, companies=[{"company": low.pk, "role": "CTO"}])
    make_contact(admin, first_name="Bob", companies=[mid.pk, low.pk])
    rollup = selectors.company_rollup(actor=admin, company=top)
    assert rollup == {"subsidiaries": 2, "direct_subsidiaries": 1, "contacts": 2, "direct_contacts": 0}


def test_record_access_applies_to_reads_and_writes():
    team = TeamFactory()
    rep, colleague, outsider = (UserFactory(team=team), UserFactory(team=team), UserFactory())
    mine = make_contact(rep)
    theirs = make_contact(colleague)
    hidden = make_contact(outsider)
    visible = set(selectors.contact_list(actor=rep).values_list("pk", flat=True))
    assert visible == {mine.pk, theirs.pk}
    with pytest.raises(NotFound):
        selectors.contact_get(actor=rep, pk=hidden.pk)
    with pytest.raises(PermissionDenied):  # sales reps read their team's contacts but edit only their own
        services.contact_update(actor=rep, contact=theirs, data={"job_title": "x"})
    with pytest.raises(ApplicationError):  # nor may they hand a contact to someone outside their reach
        services.contact_update(actor=rep, contact=mine, data={"owner": outsider.pk})
    assert services.contacts_bulk_delete(actor=rep, ids=[mine.pk, theirs.pk, hidden.pk]) == 1
    assert Contact.objects.filter(pk__in=[theirs.pk, hidden.pk]).count() == 2


def test_list_filters_sort_and_keyset_pages(admin):
    services.custom_field_create(actor=admin, data={"object_type": "contact", "label": "Score", "field_type": "number"})
    for i in range(7):
        make_contact(admin, first_name=f"P{i}", last_name="Test", lifecycle_stage="lead" if i % 2 else "customer",
                     custom={"score": i if i != 3 else None}, tags=["even"] if i % 2 == 0 else [])  # fmt: skip
    spec = selectors.LIST_SPECS["contact"].with_custom()
    leads = selectors.contact_list(actor=admin, filters={"lifecycle_stage": "lead"}, spec=spec)
    assert leads.count() == 3
    assert selectors.contact_list(actor=admin, filters={"tags": "EVEN"}, spec=spec).count() == 4
    assert selectors.contact_list(actor=admin, filters={"cf.score__gte": "4"}, spec=spec).count() == 3
    assert selectors.contact_list(actor=admin, filters={"cf.score__empty": "1"}, spec=spec).count() == 1
    seen, cursor = [], None
    while True:
        rows, cursor = spec.page(
            selectors.contact_list(actor=admin, spec=spec), ordering="-cf.score", cursor=cursor, limit=2
        )
        seen += [r.first_name for r in rows]
        if not cursor:
            break
    assert seen == ["P6", "P5", "P4", "P2", "P1", "P0", "P3"] or seen == ["P3", "P6", "P5", "P4", "P2", "P1", "P0"]
    assert len(seen) == 7
    with pytest.raises(ApplicationError):
        selectors.contact_list(actor=admin, filters={"nonsense": "1"}, spec=spec)
