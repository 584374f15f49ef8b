"""What a user may not see stays unseen where records meet: related companies, filters, cursors, deletes,
assignments (found by the security review of the data hub)."""

import base64
import json
import zlib

import pytest

from rapport.activities import services as activity_services
from rapport.activities.models import Task
from rapport.contacts import custom_values, selectors, services
from rapport.contacts.models import Company, Contact, CustomField
from rapport.core.errors import ApplicationError, Conflict, PermissionDenied
from tests.factories import TeamFactory, UserFactory, make_company, make_contact, role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    red, blue = TeamFactory(name="Red"), TeamFactory(name="Blue")
    rep = UserFactory(team=red)
    manager = UserFactory(team=red, role=role("manager"))
    stranger = UserFactory(team=blue)
    secret = make_company(stranger, name="Zyxwv Secret Holdings")
    ada = make_contact(stranger, first_name="Ada")
    # The contact is given to the rep (by an admin), still linked to the company the rep cannot see.
    admin = UserFactory(role=role("admin"))
    services.contact_update(actor=admin, contact=ada, data={"owner": rep.pk, "team": red.pk, "companies": [secret.pk]})
    return {"rep": rep, "manager": manager, "stranger": stranger, "secret": secret, "ada": ada, "admin": admin,
            "red": red, "blue": blue}  # fmt: skip


def _decoded(cursor: str) -> dict:
    """What anyone can read in a cursor: it is signed, not encrypted."""
    payload = cursor.split(":")[0]
    compressed = payload.startswith(".")
    raw = base64.urlsafe_b64decode(payload.lstrip(".") + "=" * (-len(payload.lstrip(".")) % 4))
    return json.loads(zlib.decompress(raw) if compressed else raw)


def test_hidden_company_names_do_not_reach_lists_cards_or_cursors(world):
    rep = world["rep"]
    make_contact(rep, first_name="Bob")
    spec = selectors.LIST_SPECS["contact"].with_custom()
    rows, cursor = spec.page(selectors.contact_list(actor=rep, spec=spec), ordering="company", cursor=None, limit=1)
    cells = [spec.by_key["company"].cell(r) for r in rows]
    assert "Zyxwv Secret Holdings" not in cells
    assert _decoded(cursor) == {"o": "company", "v": [rows[0].pk]}  # the id only, no sort values
    rows2, _ = spec.page(selectors.contact_list(actor=rep, spec=spec), ordering="company", cursor=cursor, limit=5)
    assert {r.pk for r in rows} | {r.pk for r in rows2} == set(
        Contact.objects.filter(owner=rep).values_list("pk", flat=True)
    )
    card = selectors.contact_get(actor=rep, pk=world["ada"].pk)
    assert card.company.name != "Zyxwv Secret Holdings" and card.company.is_hidden
    assert all(m.company.name == selectors.HIDDEN_COMPANY for m in card.memberships.all())
    # Filtering by the hidden company's id reveals nothing about who belongs to it.
    assert not selectors.contact_list(actor=rep, filters={"company": str(world["secret"].pk)}, spec=spec).exists()
    assert selectors.contact_list(
        actor=world["admin"], filters={"company": str(world["secret"].pk)}, spec=spec
    ).exists()


def test_saving_a_contact_keeps_memberships_the_actor_cannot_see(world):
    ada = world["ada"]
    services.contact_update(
        actor=world["rep"], contact=ada, data={"companies": [world["secret"].pk], "job_title": "CTO"}
    )
    assert list(ada.memberships.values_list("company_id", flat=True)) == [world["secret"].pk]


def test_absurd_ids_in_filters_are_refused_cleanly(world):
    spec = selectors.LIST_SPECS["contact"].with_custom()
    for key in ("owner", "company", "team"):
        with pytest.raises(ApplicationError) as exc:
            list(selectors.contact_list(actor=world["rep"], filters={key: "9" * 40}, spec=spec))
        assert exc.value.status == 422


def test_records_and_tasks_stay_within_the_actors_reach(world):
    manager, stranger, red = world["manager"], world["stranger"], world["red"]
    with pytest.raises(ApplicationError):
        services.contact_create(actor=manager, data={"first_name": "X", "owner": stranger.pk, "team": red.pk})
    with pytest.raises(PermissionDenied):
        activity_services.task_create(actor=manager, data={"title": "x", "assignee": stranger.pk, "team": red.pk})
    assert services.contact_create(actor=manager, data={"first_name": "Y", "owner": world["rep"].pk}).team == red


def test_deleting_a_record_spares_other_peoples_records(world):
    rep, stranger = world["rep"], world["stranger"]
    mine = make_company(rep, name="Mine")
    theirs = make_company(stranger, name="Theirs")
    services.company_update(actor=world["admin"], company=theirs, data={"parent": mine.pk})
    with pytest.raises(Conflict):
        services.company_delete(actor=rep, company=mine)
    assert Company.objects.get(pk=theirs.pk).parent_id == mine.pk
    contact = make_contact(rep, first_name="Gone")
    task = activity_services.task_create(actor=rep, data={"title": "Call", "contact": contact.pk})
    services.contact_delete(actor=rep, contact=contact)
    assert Task.objects.get(pk=task.pk).contact_id is None


def test_read_only_users_add_no_notes(world):
    viewer = UserFactory(role=role("read_only"))
    with pytest.raises(PermissionDenied):
        activity_services.note_create(actor=viewer, data={"contact": world["ada"].pk, "body": "hello"})


def test_stale_custom_values_never_become_javascript_links():
    field = CustomField(key="site", label="Site", field_type="url", object_type="contact")
    assert custom_values.link_of(field, "javascript:alert(1)") is None
    assert custom_values.link_of(field, "acme.com") == "https://acme.com"
    money = CustomField(key="arr", label="ARR", field_type="money", object_type="contact", currency="EUR")
    assert custom_values.display_value(money, "not a number") == "not a number"
