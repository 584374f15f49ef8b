"""The company pages: list, forms (domains, parent company, addresses), the card (hierarchy, roll-up counts,
people with their role), editing in place, bulk actions; record access and query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rapport.contacts import services
from rapport.contacts.models import Company, CompanyDomain
from tests.factories import TeamFactory, UserFactory, make_company, make_contact, role

pytestmark = pytest.mark.django_db

LIST = reverse("company_list")


@pytest.fixture
def red():
    return TeamFactory(name="Red")


@pytest.fixture
def admin(red):
    return UserFactory(username="admin", role=role("admin"), team=red)


@pytest.fixture
def rep(red):
    return UserFactory(username="rep", role=role("sales_rep"), team=red)


def signed_in(client, user):
    client.force_login(user)
    return client


def htmx(**extra):
    return {"HTTP_HX_REQUEST": "true", **extra}


def names(response) -> list[str]:
    return [row["obj"].name for row in response.context["table"]]


def form_data(**extra):
    data = {
        "name": "Globex", "industry": "Energy", "size_band": "51-200", "annual_revenue": "1,500,000",
        "revenue_currency": "eur", "phone": "+44 20 7946 0958",
        "domains-TOTAL_FORMS": "2", "domains-INITIAL_FORMS": "0", "domains-0-domain": "https://www.Globex.test/about",
        "domains-1-domain": "globex.example", "domains-primary": "0",
        "addresses-TOTAL_FORMS": "1", "addresses-INITIAL_FORMS": "0", "addresses-0-street": "Main St",
        "addresses-0-city": "London", "addresses-0-country": "GB", "tags": "key account",
    }  # fmt: skip
    data.update(extra)
    return data


# --- list ----------------------------------------------------------------------------------------------


def test_list_filters_sorts_and_links_parents(client, admin):
    top = make_company(admin, name="Holding", industry="Finance")
    make_company(admin, name="Zeta", industry="Energy", parent=top.pk, domain="zeta.test")
    make_company(admin, name="Alpha", industry="Energy", size_band="1-10")
    client = signed_in(client, admin)
    response = client.get(LIST)
    assert names(response) == ["Alpha", "Holding", "Zeta"]
    assert names(client.get(LIST, {"industry": "energy", "ordering": "-name"})) == ["Zeta", "Alpha"]
    assert names(client.get(LIST, {"parent": top.pk})) == ["Zeta"]
    assert names(client.get(LIST, {"domain": "zeta"})) == ["Zeta"]
    assert names(client.get(LIST, {"size_band": "1-10"})) == ["Alpha"]
    response = client.get(LIST, {"columns": "name,parent,domain", "parent": top.pk})
    html = response.content.decode()
    assert f'href="{reverse("company_detail", args=[top.pk])}">Holding</a>' in html
    chip = response.context["chips"][0]
    assert chip["label"] == "Parent company is" and chip["value"] == f"Holding · #{top.pk}"
    # the builder accepts the picked company ("Name · #id") and a typed name
    response = client.get(LIST, {"ff-0": "parent", "fv-0": "holding"})
    assert response.status_code == 302 and response.url == f"{LIST}?parent={top.pk}"


def test_list_queries_do_not_grow_with_rows(client, admin):
    top = make_company(admin, name="Top")
    client = signed_in(client, admin)
    columns = "name,domain,industry,city,owner,team,tags,parent"

    def queries(n):
        for i in range(n):
            make_company(admin, name=f"Co {i}", parent=top.pk, tags=["x"], addresses=[{"city": "Oslo"}],
                         domains=[f"co{i}.test"])  # fmt: skip
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST, {"columns": columns}).status_code == 200
        return len(ctx.captured_queries)

    assert queries(2) == queries(30)


def test_bulk_assign_and_tag_companies(client, admin, rep, red):
    a, b = make_company(admin, name="A"), make_company(admin, name="B")
    client = signed_in(client, admin)
    client.post(reverse("company_bulk"), {"ids": [a.pk, b.pk], "action": "assign", "bulk_owner": rep.pk})
    assert set(Company.objects.values_list("owner_id", "team_id")) == {(rep.pk, red.pk)}
    client.post(reverse("company_bulk"), {"ids": [a.pk], "action": "tag_add", "bulk_tag": "Partner"})
    assert list(a.tags.values_list("name", flat=True)) == ["Partner"] and not b.tags.exists()
    # companies have no lifecycle stage: the action is refused and nothing changes
    response = client.post(
        reverse("company_bulk"), {"ids": [a.pk], "action": "stage", "bulk_stage": "lead"}, follow=True
    )
    assert "Choose an action." in response.content.decode()
    reader = UserFactory(role=role("read_only"))
    response = signed_in(client, reader).post(reverse("company_bulk"), {"ids": [a.pk], "action": "tag_remove",
                                                                         "bulk_tag": "Partner"})  # fmt: skip
    assert response.status_code == 403 and a.tags.count() == 1


# --- forms ---------------------------------------------------------------------------------------------


def test_create_a_company_with_domains_addresses_and_parent(client, admin):
    group = make_company(admin, name="Globex Group")
    client = signed_in(client, admin)
    assert client.get(reverse("company_create")).status_code == 200
    response = client.post(reverse("company_create"), form_data(parent=f"Globex Group · #{group.pk}", owner=admin.pk,
                                                                 team=admin.team_id))  # fmt: skip
    company = Company.objects.get(name="Globex")
    assert response.status_code == 302 and response.url == reverse("company_detail", args=[company.pk])
    assert company.domain == "globex.test" and company.parent_id == group.pk
    assert list(CompanyDomain.objects.filter(company=company).values_list("domain", flat=True)) == [
        "globex.test", "globex.example"
    ]  # fmt: skip
    assert str(company.annual_revenue) == "1500000.00" and company.revenue_currency == "EUR"
    assert company.phone == "+442079460958" and company.addresses.get().city == "London"


def test_company_errors_show_next_to_their_inputs(client, admin):
    client = signed_in(client, admin)
    data = form_data(**{"name": "", "domains-1-domain": "not a domain", "annual_revenue": "lots", "parent": "Nowhere"})
    response = client.post(reverse("company_create"), data)
    assert response.status_code == 422 and not Company.objects.exists()
    form = response.context["form"]
    assert form.errors["name"] and form.errors["parent"]
    data["name"], data["parent"] = "Globex", ""
    response = client.post(reverse("company_create"), data)
    form = response.context["form"]
    assert response.status_code == 422
    assert form.rowsets["domains"].forms[1].errors["domain"] and form.errors["annual_revenue"]
    assert 'value="not a domain"' in response.content.decode()


def test_a_company_cannot_become_its_own_subsidiary(client, admin):
    top = make_company(admin, name="Top")
    low = make_company(admin, name="Low", parent=top.pk)
    client = signed_in(client, admin)
    response = client.post(reverse("company_field", args=[top.pk, "parent"]), {"parent": f"Low · #{low.pk}"}, **htmx())
    assert response.status_code == 422 and "cannot be inside its own subsidiaries" in response.content.decode()
    top.refresh_from_db()
    assert top.parent_id is None


def test_edit_keeps_rows_and_answers_403_when_read_only(client, admin, rep, red):
    company = make_company(UserFactory(team=red), name="Theirs", domains=["theirs.test"])
    client = signed_in(client, admin)
    response = client.get(reverse("company_edit", args=[company.pk]))
    assert 'value="theirs.test"' in response.content.decode()
    client = signed_in(client, rep)
    assert client.get(reverse("company_detail", args=[company.pk])).status_code == 200
    assert client.get(reverse("company_edit", args=[company.pk])).status_code == 403
    assert client.post(reverse("company_delete", args=[company.pk])).status_code == 403
    hidden = make_company(UserFactory(team=TeamFactory(name="Blue")), name="Hidden")
    assert client.get(reverse("company_detail", args=[hidden.pk])).status_code == 404
    assert Company.objects.count() == 2


# --- the card ------------------------------------------------------------------------------------------


def test_card_shows_hierarchy_rollup_and_people(client, admin):
    top = make_company(admin, name="Holding")
    mid = make_company(admin, name="Mid", parent=top.pk, domains=["mid.test", "mid.example"], phone="+33612345678")
    low = make_company(admin, name="Low", parent=mid.pk)
    make_contact(admin, first_name="Carla", companies=[{"company": mid.pk, "role": "Buyer"}], phone="+33 6 11 22 33 44")
    make_contact(admin, first_name="Dan", companies=[low.pk])
    response = signed_in(client, admin).get(reverse("company_detail", args=[mid.pk]))
    html = response.content.decode()
    assert response.context["ancestors"] == [top] and response.context["children"] == [low]
    assert response.context["rollup"] == {"subsidiaries": 1, "direct_subsidiaries": 1, "contacts": 2,
                                          "direct_contacts": 1}  # fmt: skip
    assert f'<li><a href="{reverse("company_detail", args=[top.pk])}">Holding</a></li>' in html  # breadcrumb
    assert "Carla Lovelace" in html and "Buyer" in html and "+33 6 11 22 33 44" in html
    assert "mid.test" in html and "mid.example" in html and "+33 6 12 34 56 78" in html
    assert f"{reverse('contact_list')}?company={mid.pk}" in html and f"{LIST}?parent={mid.pk}" in html
    for name in ("timeline", "tasks_panel", "notes_panel", "interaction_log"):
        assert reverse(name, args=["company", mid.pk]) in html


def test_card_queries_stay_fixed_with_many_people(client, admin):
    company = make_company(admin, name="Big")
    client = signed_in(client, admin)
    url = reverse("company_detail", args=[company.pk])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    make_contact(admin, companies=[company.pk])
    make_company(admin, name="Sub", parent=company.pk)
    before = count()
    for i in range(40):
        make_contact(admin, first_name=f"P{i}", companies=[{"company": company.pk, "role": "Staff"}])
    for i in range(25):
        make_company(admin, name=f"Sub {i}", parent=company.pk)
    after = count()
    assert after == before
    response = client.get(url)
    assert len(response.context["people"]) == 25 and response.context["more_people"]
    assert len(response.context["children"]) == 20 and response.context["more_children"]


def test_inline_edit_industry_and_domains(client, admin):
    company = make_company(admin, name="Acme", domains=["acme.test"])
    client = signed_in(client, admin)
    response = client.post(reverse("company_field", args=[company.pk, "industry"]), {"industry": "Robotics"}, **htmx())
    assert response.status_code == 200 and "Robotics" in response.content.decode()
    data = {"domains-TOTAL_FORMS": "2", "domains-INITIAL_FORMS": "1", "domains-0-domain": "acme.test",
            "domains-1-domain": "acme.example", "domains-primary": "1"}  # fmt: skip
    response = client.post(reverse("company_field", args=[company.pk, "domains"]), data, **htmx())
    company.refresh_from_db()
    assert response.status_code == 200 and company.industry == "Robotics" and company.domain == "acme.example"


def test_delete_moves_subsidiaries_up(client, admin):
    top = make_company(admin, name="Top")
    mid = make_company(admin, name="Mid", parent=top.pk)
    low = make_company(admin, name="Low", parent=mid.pk)
    client = signed_in(client, admin)
    assert "subsidiaries move up one level" in client.get(reverse("company_delete", args=[mid.pk])).content.decode()
    client.post(reverse("company_delete", args=[mid.pk]))
    low.refresh_from_db()
    assert low.parent_id == top.pk and not Company.objects.filter(pk=mid.pk).exists()


def test_company_lookup_is_scoped(client, rep):
    make_company(rep, name="Acme", domains=["acme.test"])
    make_company(UserFactory(team=TeamFactory(name="Blue")), name="Acme Hidden")
    html = signed_in(client, rep).get(reverse("company_lookup"), {"q": "acm"}).content.decode()
    assert "Acme · #" in html and "Hidden" not in html and "acme.test" in html


def test_saved_views_of_companies_are_their_own(client, admin):
    services.saved_view_create(actor=admin, data={"object_type": "contact", "name": "People view"})
    view = services.saved_view_create(
        actor=admin, data={"object_type": "company", "name": "Energy", "filters": {"industry": "energy"}}
    )
    make_company(admin, name="Power Co", industry="Energy")
    make_company(admin, name="Bank", industry="Finance")
    client = signed_in(client, admin)
    response = client.get(LIST, {"view": view.pk})
    assert [v.name for v in response.context["views"]] == ["Energy"] and names(response) == ["Power Co"]
