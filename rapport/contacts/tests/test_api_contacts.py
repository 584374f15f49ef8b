"""The contacts API: the full representation, create/update/delete with clean data and field errors, lists with
every filter (custom fields too), orderings and keyset pages, ETag/If-Match, Idempotency-Key, referenced records
outside the actor's scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.contacts import services
from rapport.contacts.models import Contact, ContactEmail, CustomField
from rapport.core.models import AuditEntry
from rapport.users.models import Role
from tests.factories import TeamFactory, UserFactory, make_company, make_contact, role

from .api_client import Api, problem

pytestmark = pytest.mark.django_db

URL = "/api/v1/contacts"


@pytest.fixture
def admin(client):
    return Api(client, UserFactory(username="admin", role=role("admin")))


def custom_field(admin_user, **data):
    return services.custom_field_create(actor=admin_user, data={"object_type": "contact", **data})


# --- create and read ---------------------------------------------------------------------------


def test_create_cleans_everything_and_answers_the_full_record(admin):
    acme = make_company(admin.user, name="Acme")
    other = make_company(admin.user, name="Other")
    custom_field(admin.user, label="Renewal date", field_type="date")
    response = admin.post(URL, {
        "prefix": "dr", "first_name": "ADA", "last_name": "lovelace", "suffix": "PhD",
        "emails": [{"email": " Ada@Example.COM ", "label": "work"}, {"email": "ada@home.test", "is_primary": True}],
        "phones": [{"number": "+33 6 12 34 56 78", "label": "mobile"}],
        "addresses": [{"street": "Main St", "number": "1", "city": "paris", "country": "France"}],
        "companies": [{"company_id": acme.pk, "role": "CTO"}, {"company_id": other.pk, "is_primary": True}],
        "job_title": "Engineer", "birth_date": "1815-12-10", "language": "EN", "time_zone": "europe/london",
        "linkedin": "@ada", "website": "ada.test", "email_opt_in": True, "preferred_channel": "email",
        "lifecycle_stage": "lead", "lead_source": "Fair", "stance": "advocate", "stance_reason": "Loves us",
        "tags": ["VIP", "vip", "north"], "custom": {"renewal_date": "2027-01-31"}, "external_id": "crm-1",
    })  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == f"{URL}/{body['id']}" and response["ETag"]
    assert (body["first_name"], body["last_name"], body["display_name"]) == ("Ada", "Lovelace", "Dr Ada Lovelace PhD")
    assert body["email"] == "ada@home.test"
    assert body["emails"] == [  # the primary first
        {"email": "ada@home.test", "label": "", "is_primary": True},
        {"email": "ada@example.com", "label": "work", "is_primary": False},
    ]
    assert body["phones"] == [
        {"number": "+33612345678", "display": "+33 6 12 34 56 78", "label": "mobile", "is_primary": True}
    ]
    assert body["addresses"][0] | {"city": "Paris", "country": "FR", "is_primary": True} == body["addresses"][0]
    assert body["company"] == {"id": other.pk, "name": "Other"}
    assert {(m["company"]["name"], m["role"], m["is_primary"]) for m in body["companies"]} == {
        ("Acme", "CTO", False), ("Other", "", True)
    }  # fmt: skip
    assert (body["language"], body["time_zone"]) == ("en", "Europe/London")
    assert (body["linkedin"], body["website"]) == ("https://www.linkedin.com/in/ada", "https://ada.test")
    assert body["lifecycle_stage"] == "lead" and "lead" in body["lifecycle_dates"]
    assert body["stance"] == "advocate" and body["stance_set_by"]["id"] == admin.user.pk and body["stance_set_at"]
    assert body["owner"]["id"] == admin.user.pk and body["created_by"]["id"] == admin.user.pk
    assert sorted(body["tags"]) == ["VIP", "north"]
    assert body["custom"] == {"renewal_date": "2027-01-31"}
    assert body["birth_date"] == "1815-12-10" and body["external_id"] == "crm-1"
    assert 0 < body["completeness"] <= 100
    assert admin.get(f"{URL}/{body['id']}").json() == body
    assert AuditEntry.objects.filter(action="create", object_type="contact", object_id=str(body["id"])).exists()


def test_create_refuses_invalid_values_field_by_field_and_stores_nothing(admin):
    response = admin.post(URL, {
        "first_name": "Ada", "emails": [{"email": "not-an-email"}], "phones": [{"number": "12"}],
        "addresses": [{"country": "Atlantis"}], "time_zone": "Mars/Base", "custom": {"nope": 1},
    })  # fmt: skip
    body = problem(response, 422, "invalid")
    assert set(body["errors"]) == {"emails[0]", "phones[0]", "addresses[0].country", "time_zone", "custom.nope"}
    assert not Contact.objects.exists()


def test_create_needs_a_name_or_an_email(admin):
    assert "first_name" in problem(admin.post(URL, {"job_title": "Nobody"}), 422)["errors"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"first_name": 3}, "first_name"),
        ({"first_name": None}, "first_name"),
        ({"lifecycle_stage": "king"}, "lifecycle_stage"),
        ({"birth_date": "31/02/2020"}, "birth_date"),
        ({"owner_id": 0}, "owner_id"),
        ({"companies": [{"company_id": "x"}]}, "companies.0.company_id"),
        ({"first_name": "Ada", "favourite_colour": "blue"}, "favourite_colour"),
    ],
)
def test_create_refuses_a_wrong_shape(admin, data, field):
    assert field in problem(admin.post(URL, data), 422, "invalid")["errors"]
    assert not Contact.objects.exists()


def test_references_must_exist_and_be_visible(client):
    red, blue = TeamFactory(name="Red"), TeamFactory(name="Blue")
    rep = Api(client, UserFactory(role=role("sales_rep"), team=red))
    hidden = make_company(UserFactory(role=role("admin"), team=blue), name="Hidden")
    response = rep.post(URL, {"first_name": "Ada", "companies": [{"company_id": hidden.pk}]})
    assert problem(response, 422)["errors"] == {"companies[0]": ["Choose an existing, visible company."]}
    response = rep.post(URL, {"first_name": "Ada", "owner_id": 999999})
    assert problem(response, 422)["errors"] == {"owner": ["Choose an active user."]}


def test_a_rep_cannot_give_a_new_record_to_someone_out_of_reach(client):
    red, blue = TeamFactory(name="Red"), TeamFactory(name="Blue")
    rep = Api(client, UserFactory(role=role("sales_rep"), team=red))
    stranger = UserFactory(team=blue)
    assert problem(rep.post(URL, {"first_name": "Ada", "owner_id": stranger.pk}), 422)["errors"] == {
        "owner": ["You may not give a record this owner and team."]
    }
    assert not Contact.objects.exists()


def test_unknown_and_impossible_ids(admin):
    problem(admin.get(f"{URL}/999999"), 404, "not_found")
    problem(admin.get(f"{URL}/0"), 422, "invalid")
    problem(admin.get(f"{URL}/{2**63}"), 422, "invalid")
    problem(admin.get(f"{URL}/abc"), 404)  # only digits name a contact
    problem(admin.patch(f"{URL}/999999", {"first_name": "X"}), 404)
    problem(admin.delete(f"{URL}/999999"), 404)


# --- update and delete -------------------------------------------------------------------------


def test_patch_changes_only_what_is_sent(admin):
    contact = make_contact(admin.user, email="ada@example.com", job_title="Engineer", tags=["vip"])
    response = admin.patch(f"{URL}/{contact.pk}", {"last_name": "BYRON", "lifecycle_stage": "customer"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["display_name"], body["email"], body["job_title"]) == ("Ada Byron", "ada@example.com", "Engineer")
    assert body["tags"] == ["vip"] and "customer" in body["lifecycle_dates"]
    entry = AuditEntry.objects.get(action="update", object_id=str(contact.pk))
    assert entry.changes["last_name"] == ["Lovelace", "Byron"]


def test_patch_lists_replace_and_custom_values_merge(admin):
    custom_field(admin.user, label="Plan", field_type="choice", choices=["Free", "Pro"])
    custom_field(admin.user, label="Seats", field_type="number")
    contact = make_contact(admin.user, emails=["a@x.test", "b@x.test"], custom={"plan": "Free", "seats": 3})
    body = admin.patch(f"{URL}/{contact.pk}", {"emails": [{"email": "c@x.test"}], "custom": {"plan": "pro"}}).json()
    assert [e["email"] for e in body["emails"]] == ["c@x.test"] and body["email"] == "c@x.test"
    assert body["custom"] == {"plan": "Pro", "seats": 3}
    body = admin.patch(f"{URL}/{contact.pk}", {"custom": {"seats": None}, "owner_id": None}).json()
    assert body["custom"] == {"plan": "Pro"} and body["owner"] is None


def test_patch_with_invalid_values_changes_nothing(admin):
    contact = make_contact(admin.user, email="ada@example.com")
    before = admin.get(f"{URL}/{contact.pk}").json()
    response = admin.patch(f"{URL}/{contact.pk}", {"first_name": "Grace", "emails": [{"email": "nope"}]})
    assert problem(response, 422)["errors"] == {"emails[0]": ["Enter a valid email address."]}
    assert admin.get(f"{URL}/{contact.pk}").json() == before


def test_external_ids_are_unique(admin):
    make_contact(admin.user, external_id="crm-1")
    other = make_contact(admin.user, first_name="Grace")
    response = admin.patch(f"{URL}/{other.pk}", {"external_id": "crm-1"})
    assert problem(response, 409, "duplicate")["errors"] == {"external_id": ["This external id is taken."]}


def test_delete(admin):
    contact = make_contact(admin.user)
    response = admin.delete(f"{URL}/{contact.pk}")
    assert response.status_code == 204 and not Contact.objects.exists()
    assert not ContactEmail.objects.exists()
    assert AuditEntry.objects.filter(action="delete", object_type="contact").exists()
    problem(admin.get(f"{URL}/{contact.pk}"), 404)


# --- ETag, If-Match, Idempotency-Key -------------------------------------------------------------


def test_etag_changes_with_the_record_and_if_match_refuses_stale_writes(admin):
    contact = make_contact(admin.user)
    url = f"{URL}/{contact.pk}"
    tag = admin.get(url)["ETag"]
    assert admin.get(url, headers={"If-None-Match": tag}).status_code == 304
    updated = admin.patch(url, {"job_title": "CTO"}, headers={"If-Match": tag})
    assert updated.status_code == 200 and updated["ETag"] != tag
    problem(admin.patch(url, {"job_title": "CEO"}, headers={"If-Match": tag}), 412, "precondition_failed")
    problem(admin.delete(url, headers={"If-Match": tag}), 412, "precondition_failed")
    contact.refresh_from_db()
    assert contact.job_title == "CTO"
    assert admin.delete(url, headers={"If-Match": updated["ETag"]}).status_code == 204


def test_the_etag_follows_the_children_too(admin):
    contact = make_contact(admin.user, email="a@x.test")
    url = f"{URL}/{contact.pk}"
    tag = admin.get(url)["ETag"]
    services.contact_update(actor=admin.user, contact=contact, data={"phones": ["+14155552671"]})
    assert admin.get(url)["ETag"] != tag


def test_idempotency_key_creates_once(admin):
    headers = {"Idempotency-Key": "create-ada"}
    first = admin.post(URL, {"first_name": "Ada"}, headers=headers)
    again = admin.post(URL, {"first_name": "Ada"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Contact.objects.count() == 1
    problem(admin.post(URL, {"first_name": "Grace"}, headers=headers), 422, "idempotency_key_reused")


# --- lists -----------------------------------------------------------------------------------


def test_list_filters_on_builtin_fields(admin):
    me = admin.user
    other = UserFactory(role=role("sales_rep"))
    ada = make_contact(me, email="ada@acme.test", lifecycle_stage="lead", tags=["vip"], addresses=[{"city": "Paris"}])
    grace = make_contact(me, first_name="Grace", last_name="Hopper", lifecycle_stage="customer", owner=other.pk)
    linus = make_contact(me, first_name="Linus", last_name="T", phones=["+1 415 555 2671"], email_opt_in=True)
    assert admin.ids(URL) == [ada.pk, grace.pk, linus.pk]  # by name
    assert admin.ids(URL, {"q": "hop"}) == [grace.pk]
    assert admin.ids(URL, {"lifecycle_stage": "lead,customer"}) == [ada.pk, grace.pk]
    assert admin.ids(URL, {"lifecycle_stage": ["lead", "customer"]}) == [ada.pk, grace.pk]  # repeated
    assert admin.ids(URL, {"owner": "me"}) == [ada.pk, linus.pk]
    assert admin.ids(URL, {"owner": other.pk}) == [grace.pk]
    assert admin.ids(URL, {"tags": "VIP"}) == [ada.pk]
    assert admin.ids(URL, {"city": "par"}) == [ada.pk]
    assert admin.ids(URL, {"email": "acme"}) == [ada.pk]
    assert admin.ids(URL, {"email__empty": "1"}) == [grace.pk, linus.pk]
    assert admin.ids(URL, {"phone": "(415) 555-2671"}) == [linus.pk]
    assert admin.ids(URL, {"email_opt_in": "true"}) == [linus.pk]
    assert admin.ids(URL, {"first_name__eq": "grace"}) == [grace.pk]
    Contact.objects.filter(pk=ada.pk).update(created_at="2020-01-01T00:00:00Z")
    assert admin.ids(URL, {"created_at__lte": "2020-12-31"}) == [ada.pk]
    assert admin.ids(URL, {"created_at__gte": "2021-01-01", "ordering": "-display_name"}) == [linus.pk, grace.pk]


def test_list_filters_and_sorts_on_custom_fields(admin):
    custom_field(admin.user, label="Score", field_type="number")
    custom_field(admin.user, label="Renewal", field_type="date")
    a = make_contact(admin.user, first_name="A", custom={"score": 10, "renewal": "2027-01-01"})
    b = make_contact(admin.user, first_name="B", custom={"score": 2.5})
    c = make_contact(admin.user, first_name="C", custom={"score": 7, "renewal": "2026-06-01"})
    d = make_contact(admin.user, first_name="D")
    assert admin.ids(URL, {"cf.score__gte": "5"}) == [a.pk, c.pk]
    assert admin.ids(URL, {"cf.renewal__lte": "2026-12-31"}) == [c.pk]
    assert admin.ids(URL, {"cf.renewal__empty": "1"}) == [b.pk, d.pk]
    assert admin.ids(URL, {"ordering": "cf.score"}) == [b.pk, c.pk, a.pk, d.pk]  # as numbers, empty values last
    descending = admin.ids(URL, {"ordering": "-cf.score"})
    assert [pk for pk in descending if pk != d.pk] == [a.pk, c.pk, b.pk] and d.pk in descending
    # The same orders, page by page.
    assert admin.ids(URL, {"ordering": "cf.score", "limit": 1}) == [b.pk, c.pk, a.pk, d.pk]
    assert admin.ids(URL, {"ordering": "-cf.score", "limit": 1}) == descending
    by_renewal = admin.ids(URL, {"ordering": "-cf.renewal"})
    assert [pk for pk in by_renewal if pk in (a.pk, c.pk)] == [a.pk, c.pk]
    assert admin.ids(URL, {"ordering": "-cf.renewal", "limit": 1}) == by_renewal


@pytest.mark.parametrize("ordering", ["display_name", "-display_name", "last_name", "-created_at", "owner", "company",
                                      "-birth_date", "completeness", "-lifecycle_stage"])  # fmt: skip
def test_pages_follow_every_ordering_without_gaps_or_repeats(admin, ordering):
    acme = make_company(admin.user, name="Acme")
    manager = UserFactory(role=role("manager"))
    for i in range(7):
        make_contact(
            admin.user, first_name=f"N{i % 3}", last_name="Same", birth_date="1990-01-01" if i % 2 else None,
            companies=[{"company": acme.pk}] if i % 3 else [], owner=manager.pk if i % 2 else admin.user.pk,
            lifecycle_stage="lead" if i % 2 else "",
        )  # fmt: skip
    everything = admin.ids(URL, {"ordering": ordering})
    assert sorted(everything) == sorted(Contact.objects.values_list("pk", flat=True))
    assert admin.ids(URL, {"ordering": ordering, "limit": 2}) == everything


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"favourite": "x"}, "favourite"),
        ({"lifecycle_stage__after": "lead"}, "lifecycle_stage__after"),
        ({"created_at__gte": "yesterday"}, "created_at__gte"),
        ({"completeness__lte": "lots"}, "completeness__lte"),
        ({"owner": "someone"}, "owner"),
        ({"cf.nope": "1"}, "cf.nope"),
        ({"ordering": "email_opt_in"}, "ordering"),
        ({"ordering": "-nope"}, "ordering"),
        ({"cursor": "forged"}, "cursor"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
    ],
)
def test_list_refuses_bad_parameters(admin, params, field):
    make_contact(admin.user)
    assert field in problem(admin.get(URL, params), 422, "invalid")["errors"]


def test_a_cursor_belongs_to_its_ordering(admin):
    for name in ("A", "B", "C"):
        make_contact(admin.user, first_name=name)
    cursor = admin.get(URL, {"limit": 1}).json()["next"]
    assert cursor
    problem(admin.get(URL, {"limit": 1, "cursor": cursor, "ordering": "-created_at"}), 422)


def test_list_query_count_does_not_grow_with_rows(admin, django_assert_max_num_queries):
    custom_field(admin.user, label="Plan", field_type="text")
    acme = make_company(admin.user, name="Acme")

    def add(n):
        for i in range(n):
            make_contact(
                admin.user, first_name=f"P{i}", emails=[f"p{i}@x.test", f"q{i}@x.test"], phones=["+14155552671"],
                addresses=[{"city": "Paris"}], companies=[{"company": acme.pk, "role": "CTO"}], tags=["vip", "a"],
                stance="friendly", custom={"plan": "Pro"},
            )  # fmt: skip

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = admin.get(URL, {"limit": 200, "ordering": "cf.plan"})
        assert response.status_code == 200
        return len(queries), len(response.json()["items"])

    add(2)
    count()  # the token's last use is recorded once a minute
    few, rows = count()
    add(25)
    many, more_rows = count()
    assert (rows, more_rows) == (2, 27)
    assert many == few
    with django_assert_max_num_queries(15):
        admin.get(URL, {"limit": 200, "tags": "vip", "ordering": "company"})


# --- what other records the actor may see -------------------------------------------------------


def test_referenced_records_out_of_scope_are_not_shown(client):
    red, blue = TeamFactory(name="Red"), TeamFactory(name="Blue")
    boss = UserFactory(role=role("admin"), team=blue)
    mine = make_company(boss, name="Visible", owner=None, team=red.pk)
    hidden = make_company(boss, name="Hidden")
    # A custom role that reads the team's contacts and companies, and only its own user record.
    scopes = {t: {"read": "team", "write": "team"} for t in ("contact", "company")}
    scopes |= {"user": {"read": "own", "write": "own"}, "team": {"read": "all", "write": "none"}}
    narrow = Role.objects.create(key="narrow", name="Narrow", scopes=scopes)
    actor = Api(client, UserFactory(role=narrow, team=red))
    contact = make_contact(
        boss, owner=boss.pk, team=red.pk, stance="critical",
        companies=[{"company": hidden.pk, "is_primary": True}, {"company": mine.pk, "role": "Buyer"}],
    )  # fmt: skip
    subsidiary = make_company(boss, name="Sub", owner=None, team=red.pk, parent=hidden.pk)
    body = actor.get(f"{URL}/{contact.pk}").json()
    assert body["owner"] is None and body["stance_set_by"] is None and body["created_by"] is None
    assert body["team"] == {"id": red.pk, "name": "Red"}
    # Companies out of scope keep their place, unnamed.
    assert body["company"] == {"id": hidden.pk, "name": None}
    assert body["companies"] == [
        {"company": {"id": hidden.pk, "name": None}, "role": "", "is_primary": True},
        {"company": {"id": mine.pk, "name": "Visible"}, "role": "Buyer", "is_primary": False},
    ]
    [listed] = actor.get(URL).json()["items"]
    assert listed == body
    assert actor.get(f"/api/v1/companies/{subsidiary.pk}").json()["parent"] == {"id": hidden.pk, "name": None}
    # Sending the list back as read keeps the hidden link.
    companies = [{"company_id": m["company"]["id"], "role": m["role"]} for m in body["companies"]]
    response = actor.patch(f"{URL}/{contact.pk}", {"companies": [*companies, {"company_id": mine.pk}]})
    assert response.status_code == 200, response.content
    assert sorted(contact.memberships.values_list("company_id", flat=True)) == sorted([hidden.pk, mine.pk])
    assert actor.patch(f"/api/v1/companies/{subsidiary.pk}", {"parent_id": hidden.pk}).status_code == 200


def test_custom_field_definitions_apply(admin):
    field = custom_field(admin.user, label="Plan", field_type="choice", choices=["Free", "Pro"], required=True)
    problem(admin.post(URL, {"first_name": "Ada"}), 422)
    response = admin.post(URL, {"first_name": "Ada", "custom": {"plan": "Enterprise"}})
    assert problem(response, 422)["errors"] == {"custom.plan": ["Choose one of: Free, Pro."]}
    assert admin.post(URL, {"first_name": "Ada", "custom": {"plan": "pro"}}).json()["custom"] == {"plan": "Pro"}
    assert CustomField.objects.get(pk=field.pk).required


def test_create_with_a_taken_external_id_is_a_conflict(admin):
    make_contact(admin.user, external_id="crm-1")
    body = problem(admin.post(URL, {"first_name": "Grace", "external_id": "crm-1"}), 409, "duplicate")
    assert body["errors"] == {"external_id": ["This external id is taken."]}
    assert Contact.objects.count() == 1
    make_company(admin.user, external_id="erp-1")
    problem(admin.post("/api/v1/companies", {"name": "Beta", "external_id": "erp-1"}), 409, "duplicate")


def test_values_out_of_range_are_refused(admin):
    custom_field(admin.user, label="Met", field_type="datetime")
    custom_field(admin.user, label="Referrer", field_type="reference", reference_type="contact")
    contact = make_contact(admin.user)
    # (PostgreSQL compares the huge id and finds no such record; SQLite cannot even bind it.)
    for custom, names in (
        ({"met": "9999-12-31T23:00:00-05:00"}, {"custom", "custom.met"}),
        ({"referrer": 2**70}, None),
    ):
        names = names or {"custom", "custom.referrer"}
        assert set(problem(admin.post(URL, {"first_name": "X", "custom": custom}), 422)["errors"]) <= names
        assert set(problem(admin.patch(f"{URL}/{contact.pk}", {"custom": custom}), 422)["errors"]) <= names
    for params in ({"owner": str(2**70)}, {"created_at__gte": "9999-12-31T23:59:59-05:00"}):
        response = admin.get(URL, params)  # refused (SQLite cannot even bind them), or nothing found
        if response.status_code != 200:
            problem(response, 422)
        else:
            assert response.json()["items"] == []
    assert Contact.objects.count() == 1


@pytest.mark.parametrize(
    ("method", "url"),
    [
        (method, url)
        for base in ("contacts", "companies", "custom-fields", "tags", "saved-views")
        for method, url in [("get", f"/api/v1/{base}"), ("get", f"/api/v1/{base}/1"), ("patch", f"/api/v1/{base}/1"),
                            ("delete", f"/api/v1/{base}/1"), ("post", f"/api/v1/{base}")]
        if not (base == "tags" and method == "post")
    ]
    + [("post", "/api/v1/contacts/bulk-upsert"), ("post", "/api/v1/contacts/bulk-actions"),
       ("post", "/api/v1/companies/bulk-upsert"), ("post", "/api/v1/companies/bulk-actions"),
       ("get", "/api/v1/field-policies/contact"), ("put", "/api/v1/field-policies/contact")],
)  # fmt: skip
def test_every_route_needs_a_signed_in_user(client, method, url):
    contact = make_contact(UserFactory(role=role("admin")))
    response = getattr(client, method)(url.replace("/1", f"/{contact.pk}"), {}, content_type="application/json")
    problem(response, 401, "not_authenticated")
    assert Contact.objects.filter(pk=contact.pk).exists()
