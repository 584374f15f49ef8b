"""Global search over HTTP: GET /api/v1/search, the results page and the header's typeahead fragment."""

import pytest
from django.urls import reverse

from rapport.contacts.search.backends import get_backend
from tests.factories import TeamFactory, UserFactory, api_token, make_company, make_contact, role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_index():
    get_backend().clear()  # whatever an earlier test left behind (in this test's transaction)


@pytest.fixture
def admin():
    return UserFactory(role=role("admin"))


@pytest.fixture
def book(admin):
    acme = make_company(admin, name="Acme Corporation", domains=["acme.com"])
    john = make_contact(admin, first_name="John", last_name="Smith", emails=["john@acme.com"], companies=[acme.pk])
    return {"acme": acme, "john": john}


def api(client, user, **params):
    return client.get("/api/v1/search", params, headers={"Authorization": f"Bearer {api_token(user)}"})


# --- API -----------------------------------------------------------------------------------------------------------


def test_api_answers_ranked_results(client, admin, book):
    response = api(client, admin, q="acme")
    assert response.status_code == 200
    body = response.json()
    assert body["match"] == "exact"
    first = body["results"][0]
    assert set(first) == {"type", "id", "title", "subtitle", "url", "score"}
    assert (first["type"], first["id"], first["title"]) == ("company", book["acme"].pk, "Acme Corporation")
    assert first["url"] == reverse("company_detail", args=[book["acme"].pk])
    assert ("contact", book["john"].pk) in [(r["type"], r["id"]) for r in body["results"]]
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)


def test_api_types_limit_and_typos(client, admin, book):
    body = api(client, admin, q="acme", types="contact").json()
    assert [r["type"] for r in body["results"]] == ["contact"]
    body = api(client, admin, q="acme", types="company,contact", limit=1).json()
    assert len(body["results"]) == 1
    body = api(client, admin, q="jhon smiht").json()
    assert body["match"] == "fuzzy" and body["results"][0]["id"] == book["john"].pk
    assert api(client, admin, q="").json() == {"results": [], "match": "none"}


@pytest.mark.parametrize(
    "params, field",
    [({"q": "x", "types": "deal,contact"}, "types"), ({"q": "x", "limit": 0}, "limit"), ({"q": "x", "limit": 51}, "limit"),
     ({"q": "x" * 1001}, "q"), ({"q": "x", "limit": "many"}, "limit")],
)  # fmt: skip
def test_api_refuses_bad_parameters(client, admin, params, field):
    response = api(client, admin, **params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and field in body["errors"]


@pytest.mark.parametrize("q", ['"', "NEAR(a b)", "*", "^x", "-y", "'; DROP TABLE x; --", "🙂" * 300, "a & b | !c"])
def test_api_never_fails_on_odd_queries(client, admin, book, q):
    assert api(client, admin, q=q).status_code == 200


def test_api_needs_authentication(client):
    response = client.get("/api/v1/search", {"q": "acme"})
    assert response.status_code == 401


def test_api_answers_within_record_access(client, admin):
    team = TeamFactory()
    rep = UserFactory(role=role("sales_rep"), team=team)  # contacts and companies: read scope team
    mine = make_contact(admin, first_name="Petra", last_name="Mine", owner=rep.pk)
    make_contact(admin, first_name="Petra", last_name="Theirs", owner=admin.pk, team=None)
    body = api(client, rep, q="petra").json()
    assert [(r["type"], r["id"]) for r in body["results"]] == [("contact", mine.pk)]


# --- pages ---------------------------------------------------------------------------------------------------------


def test_results_page(client, admin, book):
    client.force_login(admin)
    response = client.get(reverse("search"), {"q": "acme"})
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("company_detail", args=[book["acme"].pk]) in html
    assert reverse("contact_detail", args=[book["john"].pk]) in html
    assert "All matching contacts in the list" in html and "/contacts/?q=acme" in html
    only = client.get(reverse("search"), {"q": "acme", "type": "company"}).content.decode()
    assert reverse("company_detail", args=[book["acme"].pk]) in only
    assert reverse("contact_detail", args=[book["john"].pk]) not in only
    assert 'aria-current="page">Companies' in only


def test_results_page_states(client, admin, book):
    client.force_login(admin)
    assert "What are you looking for?" in client.get(reverse("search")).content.decode()
    assert "Nothing found" in client.get(reverse("search"), {"q": "zzyzx"}).content.decode()
    fuzzy = client.get(reverse("search"), {"q": "jon smth"}).content.decode()
    assert "spelling corrected" in fuzzy and "John Smith" in fuzzy
    odd = client.get(reverse("search"), {"q": '"*^NEAR(', "type": "nonsense"})
    assert odd.status_code == 200


def test_results_page_htmx_fragment(client, admin, book):
    client.force_login(admin)
    response = client.get(
        reverse("search"), {"q": "john"}, headers={"HX-Request": "true", "HX-Target": "search-results"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and "John Smith" in html


def test_typeahead_fragment(client, admin, book):
    client.force_login(admin)
    response = client.get(reverse("search_suggest"), {"q": "joh"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.count('role="option"') == 2  # John Smith, and "See all results"
    assert f'href="{reverse("contact_detail", args=[book["john"].pk])}"' in html
    assert "/search/?q=joh" in html
    assert 'aria-selected="false"' in html
    none = client.get(reverse("search_suggest"), {"q": "zzyzx"}).content.decode()
    assert "No matches" in none and 'aria-disabled="true"' in none
    assert client.get(reverse("search_suggest"), {"q": "  "}).content.decode().strip() == ""


def test_output_is_escaped(client, admin):
    make_contact(admin, first_name="<b>Evil</b>", last_name="Person")
    client.force_login(admin)
    for url in (reverse("search_suggest"), reverse("search")):
        html = client.get(url, {"q": "evil"}).content.decode().lower()  # names are re-cased: <B>Evil</B>
        assert "<b>evil" not in html and "&lt;b&gt;evil&lt;/b&gt;" in html


def test_pages_need_signing_in(client):
    for url in (reverse("search"), reverse("search_suggest")):
        response = client.get(url, {"q": "acme"})
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_pages_answer_within_record_access(client, admin):
    rep = UserFactory(role=role("sales_rep"), team=TeamFactory())
    make_contact(admin, first_name="Petra", last_name="Theirs", owner=admin.pk, team=None)
    client.force_login(rep)
    assert "Petra" not in client.get(reverse("search_suggest"), {"q": "petra"}).content.decode()
    assert "Nothing found" in client.get(reverse("search"), {"q": "petra"}).content.decode()


def test_header_search_box_is_a_combobox(client, admin):
    client.force_login(admin)
    html = client.get(reverse("search")).content.decode()
    assert f'action="{reverse("search")}"' in html
    assert 'role="combobox"' in html and 'aria-controls="global-search-listbox"' in html
    assert 'role="listbox"' in html and f'hx-get="{reverse("search_suggest")}"' in html
    assert "rapport/search.js" in html
