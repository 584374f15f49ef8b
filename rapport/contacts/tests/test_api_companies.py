"""The companies API: domains, the hierarchy and its roll-up counts, clean data, lists, ETag/If-Match."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.contacts.models import Company
from rapport.core.models import AuditEntry
from tests.factories import TeamFactory, UserFactory, make_company, make_contact, role

from .api_client import Api, problem

pytestmark = pytest.mark.django_db

URL = "/api/v1/companies"


@pytest.fixture
def admin(client):
    return Api(client, UserFactory(username="admin", role=role("admin")))


def test_create_and_read(admin):
    parent = make_company(admin.user, name="Holding")
    response = admin.post(URL, {
        "name": "acme corp", "legal_name": "Acme Corporation Ltd", "domains": [
            {"domain": "https://www.Acme.com/about"}, {"domain": "sales@acme.co.uk", "is_primary": True}],
        "industry": "Software", "size_band": "51-200", "annual_revenue": "1250000.5", "revenue_currency": "eur",
        "phone": "+44 20 7946 0958", "parent_id": parent.pk, "addresses": [{"city": "london", "country": "UK"}],
        "website": "acme.com", "x": "@acme", "tags": ["Partner"], "external_id": "erp-7",
    })  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == f"{URL}/{body['id']}" and response["ETag"]
    assert body["name"] == "Acme Corp" and body["legal_name"] == "Acme Corporation Ltd"
    assert body["domain"] == "acme.co.uk"
    assert body["domains"] == [
        {"domain": "acme.co.uk", "is_primary": True},
        {"domain": "acme.com", "is_primary": False},
    ]
    assert (body["annual_revenue"], body["revenue_currency"]) == ("1250000.50", "EUR")
    assert (body["phone"], body["phone_display"]) == ("+442079460958", "+44 20 7946 0958")
    assert body["parent"] == {"id": parent.pk, "name": "Holding"}
    assert body["addresses"][0]["country"] == "GB" and body["addresses"][0]["city"] == "London"
    assert (body["website"], body["x"]) == ("https://acme.com", "https://x.com/acme")
    assert body["tags"] == ["Partner"] and body["owner"]["id"] == admin.user.pk
    assert body["rollup"] == {"subsidiaries": 0, "direct_subsidiaries": 0, "contacts": 0, "direct_contacts": 0}
    assert admin.get(f"{URL}/{body['id']}").json() == body
    assert admin.get(f"{URL}/{parent.pk}").json()["rollup"]["direct_subsidiaries"] == 1


def test_name_is_required_and_values_are_checked(admin):
    body = problem(admin.post(URL, {"domain": "not a domain", "revenue_currency": "XYZ", "size_band": "huge"}), 422)
    assert set(body["errors"]) == {"size_band"}  # the shape first
    body = problem(admin.post(URL, {"domain": "not a domain", "revenue_currency": "XYZ", "annual_revenue": -5}), 422)
    assert set(body["errors"]) == {"name", "domains[0]", "revenue_currency", "annual_revenue"}
    assert not Company.objects.exists()


def test_rollup_counts_the_whole_tree(admin):
    top = make_company(admin.user, name="Top")
    mid = make_company(admin.user, name="Mid", parent=top.pk)
    low = make_company(admin.user, name="Low", parent=mid.pk)
    make_contact(admin.user, first_name="A", companies=[{"company": top.pk}])
    make_contact(admin.user, first_name="B", companies=[{"company": mid.pk}, {"company": low.pk}])
    make_contact(admin.user, first_name="C", companies=[{"company": low.pk}])
    assert admin.get(f"{URL}/{top.pk}").json()["rollup"] == {
        "subsidiaries": 2, "direct_subsidiaries": 1, "contacts": 3, "direct_contacts": 1
    }  # fmt: skip
    assert admin.get(f"{URL}/{mid.pk}").json()["rollup"] == {
        "subsidiaries": 1, "direct_subsidiaries": 1, "contacts": 2, "direct_contacts": 1
    }  # fmt: skip


def test_a_hierarchy_never_loops(admin):
    top = make_company(admin.user, name="Top")
    low = make_company(admin.user, name="Low", parent=top.pk)
    response = admin.patch(f"{URL}/{top.pk}", {"parent_id": low.pk})
    assert problem(response, 422)["errors"] == {"parent": ["A company cannot be inside its own subsidiaries."]}
    problem(admin.patch(f"{URL}/{top.pk}", {"parent_id": top.pk}), 422)
    top.refresh_from_db()
    assert top.parent_id is None


def test_patch_and_delete(admin):
    top = make_company(admin.user, name="Top")
    acme = make_company(admin.user, name="Acme", parent=top.pk, domain="acme.com", industry="Retail")
    sub = make_company(admin.user, name="Sub", parent=acme.pk)
    url = f"{URL}/{acme.pk}"
    tag = admin.get(url)["ETag"]
    body = admin.patch(url, {"industry": "Software", "parent_id": None}, headers={"If-Match": tag}).json()
    assert (body["industry"], body["domain"], body["parent"]) == ("Software", "acme.com", None)
    problem(admin.patch(url, {"industry": "Mining"}, headers={"If-Match": tag}), 412, "precondition_failed")
    problem(admin.delete(url, headers={"If-Match": tag}), 412)
    assert admin.delete(url).status_code == 204
    sub.refresh_from_db()
    assert sub.parent_id is None  # one level up
    assert AuditEntry.objects.filter(action="delete", object_type="company", object_id=str(acme.pk)).exists()
    problem(admin.get(url), 404)


def test_list_filters_and_orderings(admin):
    red = TeamFactory(name="Red")
    top = make_company(admin.user, name="Top", industry="Holding", size_band="5001+")
    acme = make_company(admin.user, name="Acme", domain="acme.com", parent=top.pk, annual_revenue="10", team=red.pk)
    beta = make_company(admin.user, name="Beta", domain="beta.io", annual_revenue="2000", tags=["vip"])
    assert admin.ids(URL) == [acme.pk, beta.pk, top.pk]
    assert admin.ids(URL, {"q": "bet"}) == [beta.pk]
    assert admin.ids(URL, {"domain": "acme"}) == [acme.pk]
    assert admin.ids(URL, {"parent": top.pk}) == [acme.pk]
    assert admin.ids(URL, {"team": red.pk}) == [acme.pk]
    assert admin.ids(URL, {"tags": "vip"}) == [beta.pk]
    assert admin.ids(URL, {"size_band": "5001+"}) == [top.pk]
    assert admin.ids(URL, {"annual_revenue__gte": "100"}) == [beta.pk]
    assert admin.ids(URL, {"ordering": "annual_revenue"}) == [acme.pk, beta.pk, top.pk]
    assert admin.ids(URL, {"ordering": "annual_revenue", "limit": 1}) == [acme.pk, beta.pk, top.pk]
    assert admin.ids(URL, {"ordering": "-name", "limit": 2}) == [top.pk, beta.pk, acme.pk]
    problem(admin.get(URL, {"annual_revenue__gte": "lots"}), 422)


def test_list_query_count_does_not_grow_with_rows(admin):
    top = make_company(admin.user, name="Top")

    def add(n):
        for i in range(n):
            make_company(
                admin.user, name=f"C{i}", domains=[f"c{i}.test", f"d{i}.test"], addresses=[{"city": "Paris"}],
                tags=["vip"], parent=top.pk,
            )  # fmt: skip

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = admin.get(URL, {"limit": 200, "ordering": "parent"})
        return len(queries), len(response.json()["items"])

    add(2)
    count()
    few, rows = count()
    add(20)
    many, more_rows = count()
    assert (rows, more_rows) == (3, 23) and many == few
