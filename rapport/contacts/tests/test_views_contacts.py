"""The contact pages: list (filters, sorting, columns, pages, saved views, bulk actions), create and edit forms,
the card with its in-place editing, delete, the record lookup; record access and query counts throughout."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.activities.models import Interaction, InteractionLink
from rapport.contacts import card, services
from rapport.contacts.models import Contact, ContactEmail, SavedView
from rapport.contacts.views import _lists
from tests.factories import TeamFactory, UserFactory, make_company, make_contact, role

pytestmark = pytest.mark.django_db

LIST = reverse("contact_list")


@pytest.fixture
def red():
    return TeamFactory(name="Red")


@pytest.fixture
def admin(red):
    return UserFactory(username="admin", role=role("admin"), team=red)


@pytest.fixture
def rep(red):
    return UserFactory(username="rep", role=role("sales_rep"), team=red)


@pytest.fixture
def reader(red):
    return UserFactory(username="reader", role=role("read_only"), team=red)


def signed_in(client, user):
    client.force_login(user)
    return client


def names(response) -> list[str]:
    return [row["obj"].display_name for row in response.context["table"]]


def htmx(**extra):
    return {"HTTP_HX_REQUEST": "true", **extra}


def score_field(admin):
    return services.custom_field_create(
        actor=admin, data={"object_type": "contact", "label": "Score", "field_type": "number"}
    )


# --- the list --------------------------------------------------------------------------------------------


def test_list_requires_sign_in(client):
    response = client.get(LIST)
    assert response.status_code == 302 and reverse("login") in response.url


def test_list_shows_only_the_records_in_scope(client, rep, red):
    colleague = UserFactory(team=red)
    outsider = UserFactory(team=TeamFactory(name="Blue"))
    make_contact(rep, first_name="Mine")
    make_contact(colleague, first_name="Team")
    make_contact(outsider, first_name="Hidden")
    response = signed_in(client, rep).get(LIST)
    assert response.status_code == 200
    assert sorted(names(response)) == ["Mine Lovelace", "Team Lovelace"]
    assert "Hidden" not in response.content.decode()
    assert response.context["count"] == 2
    # a sales rep edits only their own: only that row has a checkbox and an edit link
    writable = {row["obj"].first_name: row["writable"] for row in response.context["table"]}
    assert writable == {"Mine": True, "Team": False}


def test_filters_on_fields_tags_custom_fields_and_owner(client, admin, rep):
    score_field(admin)
    make_contact(admin, first_name="Ann", lifecycle_stage="lead", tags=["vip"], custom={"score": 9})
    make_contact(admin, first_name="Bob", lifecycle_stage="customer", custom={"score": 2})
    make_contact(rep, first_name="Cid", lifecycle_stage="lead", tags=["VIP"], email="cid@example.test")
    client = signed_in(client, admin)
    assert sorted(names(client.get(LIST, {"lifecycle_stage": "lead"}))) == ["Ann Lovelace", "Cid Lovelace"]
    assert sorted(names(client.get(LIST, {"lifecycle_stage": "lead,customer"}))) == [
        "Ann Lovelace", "Bob Lovelace", "Cid Lovelace"
    ]  # fmt: skip
    assert names(client.get(LIST, {"tags": "vip", "cf.score__gte": "5"})) == ["Ann Lovelace"]
    assert names(client.get(LIST, {"owner": "me", "cf.score__lte": "5"})) == ["Bob Lovelace"]
    assert names(client.get(LIST, {"email": "cid@"})) == ["Cid Lovelace"]
    assert names(client.get(LIST, {"cf.score__empty": "1"})) == ["Cid Lovelace"]
    assert names(client.get(LIST, {"q": "bob"})) == ["Bob Lovelace"]
    # the active filters are spelled out, each with a link that removes it
    response = client.get(LIST, {"lifecycle_stage": "lead", "tags": "vip"})
    chips = {c["label"]: c["value"] for c in response.context["chips"]}
    assert chips == {"Lifecycle stage is any of": "Lead", "Tags has any of": "vip"}
    removal = next(c["url"] for c in response.context["chips"] if c["label"].startswith("Tags"))
    assert "tags=" not in removal and "lifecycle_stage=lead" in removal


def test_filter_builder_rows_redirect_to_the_canonical_address(client, admin):
    make_contact(admin, first_name="Ann", lifecycle_stage="lead")
    make_contact(admin, first_name="Bob", lifecycle_stage="customer")
    client = signed_in(client, admin)
    query = {"q": "", "ff-0": "lifecycle_stage", "fo-0": "", "fv-0": ["lead", "customer"],
             "ff-1": "first_name", "fo-1": "eq", "fv-1": "ann", "ff-2": "", "fo-2": "", "fv-2": "",
             "ff-3": "cf.unknown", "fv-3": "x", "ff-4": "job_title", "fo-4": "empty"}  # fmt: skip
    response = client.get(LIST, query)
    assert response.status_code == 302
    assert response.url == f"{LIST}?lifecycle_stage=lead%2Ccustomer&first_name__eq=ann&job_title__empty=1"
    assert names(client.get(response.url)) == ["Ann Lovelace"]
    # with htmx the list answers at once and pushes the canonical address
    response = client.get(LIST, query, **htmx(HTTP_HX_TARGET="record-list"))
    assert response.status_code == 200
    assert response["HX-Push-Url"] == f"{LIST}?lifecycle_stage=lead%2Ccustomer&first_name__eq=ann&job_title__empty=1"
    assert "<html" not in response.content.decode()
    rows = response.context["filter_rows"]
    assert [(r.spec.key, r.op, r.values) for r in rows] == [
        ("lifecycle_stage", "", ["lead", "customer"]), ("first_name", "eq", ["ann"]), ("job_title", "empty", [])
    ]  # fmt: skip


def test_invalid_filters_are_reported_and_left_out_never_a_500(client, admin):
    make_contact(admin, first_name="Ann", birth_date="1990-01-01")
    client = signed_in(client, admin)
    response = client.get(LIST, {"birth_date__gte": "someday", "nonsense": "1", "ordering": "-bogus", "cursor": "xyz"})
    assert response.status_code == 200
    notices = " ".join(response.context["state"].notices)
    assert "not valid" in notices and "cannot be sorted" in notices and "first page" in notices
    assert names(response) == ["Ann Lovelace"]


def test_sorting_by_clicking_headers(client, admin):
    for first, title in (("Bea", "CTO"), ("Ann", "Buyer"), ("Cid", "Architect")):
        make_contact(admin, first_name=first, job_title=title)
    client = signed_in(client, admin)
    response = client.get(LIST, {"columns": "display_name,job_title"})
    assert names(response) == ["Ann Lovelace", "Bea Lovelace", "Cid Lovelace"]
    header = next(h for h in response.context["headers"] if h["key"] == "job_title")
    assert header["aria_sort"] == "none"
    response = client.get(header["url"])
    assert [r["obj"].job_title for r in response.context["table"]] == ["Architect", "Buyer", "CTO"]
    header = next(h for h in response.context["headers"] if h["key"] == "job_title")
    assert header["aria_sort"] == "ascending" and "ordering=-job_title" in header["url"]
    assert [r["obj"].job_title for r in client.get(header["url"]).context["table"]] == ["CTO", "Buyer", "Architect"]
    assert 'aria-sort="descending"' in client.get(header["url"]).content.decode()


def test_chosen_columns_and_the_column_picker(client, admin):
    score_field(admin)
    acme = make_company(admin, name="Acme")
    make_contact(admin, first_name="Ann", tags=["vip"], custom={"score": 7}, companies=[acme.pk])
    client = signed_in(client, admin)
    response = client.get(LIST, {"columns": ["tags", "cf.score,company", "nope"]})
    assert [h["key"] for h in response.context["headers"]] == ["display_name", "tags", "cf.score", "company"]
    html = response.content.decode()
    assert ">vip</span>" in html and ">7<" in html and f'href="/companies/{acme.pk}/"' in html
    picker = {c["key"]: c["checked"] for c in response.context["column_options"]}
    assert picker["tags"] and picker["cf.score"] and not picker["email"]
    # the default columns again: no columns parameter at all
    response = client.get(LIST, {"columns": "display_name,email,phone,company,lifecycle_stage,owner"})
    assert response.context["state"].columns == [] and "columns=" not in response.context["query"]


def test_keyset_pages_first_page_link_and_capped_count(client, admin, monkeypatch):
    Contact.objects.bulk_create(Contact(display_name=f"Person {i:03}", owner=admin, team=admin.team) for i in range(60))
    client = signed_in(client, admin)
    response = client.get(LIST, {"limit": "25"})
    assert len(response.context["table"]) == 25 and response.context["first_url"] is None
    seen = names(response)
    while response.context["next_url"]:
        response = client.get(response.context["next_url"])
        assert response.context["first_url"] == f"{LIST}?limit=25"
        seen += names(response)
    assert seen == [f"Person {i:03}" for i in range(60)]
    counted = client.get(LIST, {"limit": "25", "_count": "1"}).content.decode()  # the count comes after the page
    assert 'data-count="60"' in counted and "60 contacts" in counted
    monkeypatch.setattr(_lists, "COUNT_CAP", 40)
    assert "40+ contacts" in client.get(LIST, {"_count": "1"}).content.decode()


def test_htmx_search_answers_only_the_results(client, admin):
    make_contact(admin, first_name="Ann")
    make_contact(admin, first_name="Bob")
    response = signed_in(client, admin).get(LIST, {"q": "ann"}, **htmx(HTTP_HX_TARGET="record-results"))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and 'id="list-form"' not in html
    assert "Ann Lovelace" in html and "Bob Lovelace" not in html
    assert response["HX-Push-Url"] == f"{LIST}?q=ann"


def test_empty_states(client, admin):
    client = signed_in(client, admin)
    assert "No contacts yet" in client.get(LIST).content.decode()
    make_contact(admin)
    html = client.get(LIST, {"q": "zzz"}).content.decode()
    assert "No contacts match" in html and "No contacts yet" not in html


def test_list_queries_do_not_grow_with_rows(client, admin, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    score_field(admin)
    acme = make_company(admin)
    columns = "display_name,email,phone,company,tags,city,owner,team,cf.score,lifecycle_stage"
    client = signed_in(client, admin)

    def queries(n):
        for i in range(n):
            make_contact(admin, first_name=f"P{i}", companies=[acme.pk], tags=["a", "b"], custom={"score": i},
                         addresses=[{"city": "Paris"}], email=f"p{i}@example.test")  # fmt: skip
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST, {"columns": columns, "tags": "a"}).status_code == 200
        return len(ctx.captured_queries)

    few = queries(2)
    many = queries(30)
    assert many == few, (few, many)
    with django_assert_max_num_queries(20):
        client.get(LIST, {"columns": columns})


# --- saved views ---------------------------------------------------------------------------------------


def test_save_pick_update_and_delete_a_view(client, admin):
    make_contact(admin, first_name="Ann", lifecycle_stage="lead")
    make_contact(admin, first_name="Bob", lifecycle_stage="customer")
    client = signed_in(client, admin)
    query = "lifecycle_stage=lead&columns=display_name%2Cemail&ordering=-display_name"
    response = client.post(reverse("contact_view_create"), {"name": "Leads", "shared": "on", "query": query})
    view = SavedView.objects.get()
    assert response.status_code == 302 and response.url.startswith(f"{LIST}?view={view.pk}&")
    assert (view.filters, view.columns, view.ordering, view.shared) == (
        {"lifecycle_stage": "lead"}, ["display_name", "email"], "-display_name", True
    )  # fmt: skip
    # picking the view applies it
    response = client.get(LIST, {"view": view.pk})
    assert names(response) == ["Ann Lovelace"] and [h["key"] for h in response.context["headers"]] == [
        "display_name", "email"
    ]  # fmt: skip
    assert response.context["can_manage_view"] and not response.context["state"].modified
    # changing the filters marks it changed; updating stores the new state
    response = client.get(LIST, {"view": view.pk, "lifecycle_stage": "customer"})
    assert response.context["state"].modified and names(response) == ["Bob Lovelace"]
    url = reverse("contact_view_update", args=[view.pk])
    client.post(url, {"name": "Customers", "query": f"view={view.pk}&lifecycle_stage=customer"})
    view.refresh_from_db()
    assert (view.name, view.filters, view.columns, view.shared) == (
        "Customers",
        {"lifecycle_stage": "customer"},
        [],
        False,
    )
    # deleting asks first
    url = reverse("contact_view_delete", args=[view.pk])
    assert "Delete the view" in client.get(url).content.decode()
    assert client.post(url).status_code == 302 and not SavedView.objects.exists()


def test_saved_view_errors_and_permissions(client, admin, rep, reader):
    response = signed_in(client, admin).post(reverse("contact_view_create"), {"name": "", "query": ""})
    assert response.status_code == 422 and "This field is required." in response.content.decode()
    mine = services.saved_view_create(actor=admin, data={"object_type": "contact", "name": "Mine", "shared": True})
    private = services.saved_view_create(actor=admin, data={"object_type": "contact", "name": "Secret"})
    # others see the shared view, not the private one, and may not change it
    client = signed_in(client, rep)
    response = client.get(LIST)
    assert [v.name for v in response.context["views"]] == ["Mine"]
    assert client.get(LIST, {"view": mine.pk}).context["can_manage_view"] is False
    assert client.post(reverse("contact_view_update", args=[mine.pk]), {"name": "Hijack"}).status_code == 403
    assert client.post(reverse("contact_view_delete", args=[mine.pk])).status_code == 403
    assert client.post(reverse("contact_view_update", args=[private.pk]), {"name": "x"}).status_code == 404
    assert SavedView.objects.filter(name__in=["Mine", "Secret"]).count() == 2
    # sharing needs the bulk feature (read-only users have none): refused, nothing saved
    client = signed_in(client, reader)
    response = client.post(reverse("contact_view_create"), {"name": "Shared", "shared": "on", "query": ""})
    assert response.status_code == 403 and not SavedView.objects.filter(name="Shared").exists()
    response = client.post(reverse("contact_view_create"), {"name": "Just mine", "query": "q=x"})
    assert response.status_code == 302 and SavedView.objects.get(name="Just mine").filters == {"q": "x"}


# --- bulk actions --------------------------------------------------------------------------------------


def test_bulk_assign_tag_stage_and_delete(client, admin, rep):
    a, b = make_contact(admin, first_name="A"), make_contact(admin, first_name="B")
    client = signed_in(client, admin)
    back = f"{LIST}?q=x"
    ids = [a.pk, b.pk]
    response = client.post(
        reverse("contact_bulk"), {"ids": ids, "action": "assign", "bulk_owner": rep.pk, "next": back}
    )
    assert response.status_code == 302 and response.url == back
    assert set(Contact.objects.values_list("owner_id", flat=True)) == {rep.pk}
    client.post(reverse("contact_bulk"), {"ids": ids, "action": "tag_add", "bulk_tag": "Hot"})
    assert {t.name for t in a.tags.all()} == {"Hot"} and b.tags.count() == 1
    client.post(reverse("contact_bulk"), {"ids": [a.pk], "action": "tag_remove", "bulk_tag": "hot"})
    assert a.tags.count() == 0 and b.tags.count() == 1
    client.post(reverse("contact_bulk"), {"ids": ids, "action": "stage", "bulk_stage": "customer"})
    assert set(Contact.objects.values_list("lifecycle_stage", flat=True)) == {"customer"}
    # delete goes through a confirmation page, then deletes
    response = client.post(reverse("contact_bulk"), {"ids": ids, "action": "delete", "next": back})
    assert response.status_code == 302 and response.url.startswith(reverse("contact_bulk_delete"))
    page = client.get(response.url)
    assert "Delete 2 contacts?" in page.content.decode() and Contact.objects.count() == 2
    assert client.post(response.url).status_code == 302 and Contact.objects.count() == 0


def test_bulk_actions_are_refused_without_the_feature_or_beyond_scope(client, admin, rep, reader, red):
    mine = make_contact(rep, first_name="Mine")
    theirs = make_contact(UserFactory(team=red), first_name="Theirs")
    # read-only users have no bulk feature: no checkboxes, and 403 on post
    response = signed_in(client, reader).get(LIST)
    assert response.context["can_bulk"] is False and 'name="ids"' not in response.content.decode()
    response = client.post(reverse("contact_bulk"), {"ids": [mine.pk], "action": "tag_add", "bulk_tag": "x"})
    assert response.status_code == 403 and mine.tags.count() == 0
    assert client.get(reverse("contact_bulk_delete"), {"ids": mine.pk}).status_code == 403
    # a sales rep changes only their own records; the others are left alone and counted
    client = signed_in(client, rep)
    response = client.post(reverse("contact_bulk"), {"ids": [mine.pk, theirs.pk], "action": "tag_add", "bulk_tag": "x"},
                           follow=True)  # fmt: skip
    assert mine.tags.count() == 1 and theirs.tags.count() == 0
    assert "1 selected contact left alone" in response.content.decode()
    # nor may they give records to someone out of their reach
    outsider = UserFactory(team=TeamFactory(name="Blue"))
    client.post(reverse("contact_bulk"), {"ids": [mine.pk], "action": "assign", "bulk_owner": outsider.pk})
    mine.refresh_from_db()
    assert mine.owner_id == rep.pk
    client.post(f"{reverse('contact_bulk_delete')}?ids={theirs.pk}")
    assert Contact.objects.filter(pk=theirs.pk).exists()
    assert client.get(reverse("contact_bulk")).status_code == 405


# --- create and edit -----------------------------------------------------------------------------------


def form_data(**extra):
    data = {
        "first_name": "Grace", "last_name": "Hopper", "job_title": "Rear admiral",
        "emails-TOTAL_FORMS": "2", "emails-INITIAL_FORMS": "0",
        "emails-0-email": "grace@navy.test", "emails-0-label": "work", "emails-1-email": "", "emails-1-label": "",
        "emails-primary": "0",
        "phones-TOTAL_FORMS": "1", "phones-INITIAL_FORMS": "0", "phones-0-number": "+1 415 555 2671",
        "addresses-TOTAL_FORMS": "1", "addresses-INITIAL_FORMS": "0", "addresses-0-city": "Arlington",
        "addresses-0-country": "US",
        "companies-TOTAL_FORMS": "0", "companies-INITIAL_FORMS": "0",
        "lifecycle_stage": "lead", "stance": "advocate", "stance_reason": "Invented the compiler",
        "email_opt_in": "on", "tags": "navy, pioneer",
    }  # fmt: skip
    data.update(extra)
    return data


def test_create_a_contact_with_every_part(client, admin):
    services.custom_field_create(
        actor=admin,
        data={"object_type": "contact", "label": "Plan", "field_type": "choice", "choices": ["Free", "Pro"]},
    )
    services.custom_field_create(
        actor=admin,
        data={"object_type": "contact", "label": "Tools", "field_type": "multi_choice", "choices": ["A", "B"]},
    )
    acme = make_company(admin, name="Acme Navy")
    client = signed_in(client, admin)
    assert client.get(reverse("contact_create")).status_code == 200
    data = form_data(**{
        "companies-TOTAL_FORMS": "2", "companies-0-company": "Acme navy", "companies-0-role": "Advisor",
        "companies-1-company": "", "cf_plan": "pro", "cf_tools": ["A", "B"], "owner": str(admin.pk),
        "team": str(admin.team_id),
    })  # fmt: skip
    response = client.post(reverse("contact_create"), data)
    contact = Contact.objects.get()
    assert response.status_code == 302 and response.url == reverse("contact_detail", args=[contact.pk])
    assert (contact.display_name, contact.email, contact.phone) == ("Grace Hopper", "grace@navy.test", "+14155552671")
    assert contact.company_id == acme.pk and contact.memberships.get().role == "Advisor"
    assert contact.addresses.get().city == "Arlington" and contact.email_opt_in
    assert contact.custom == {"plan": "Pro", "tools": ["A", "B"]}
    assert sorted(contact.tags.values_list("name", flat=True)) == ["navy", "pioneer"]
    assert contact.stance_set_by_id == admin.pk and contact.team_id == admin.team_id


def test_service_errors_show_next_to_their_inputs_and_nothing_is_lost(client, admin):
    services.custom_field_create(
        actor=admin, data={"object_type": "contact", "label": "Renewal", "field_type": "date", "required": True}
    )
    client = signed_in(client, admin)
    data = form_data(**{
        "emails-1-email": "not-an-email", "addresses-0-country": "Atlantis", "phones-0-number": "12",
        "cf_renewal": "someday", "birth_date": "31/02/2020",
    })  # fmt: skip
    response = client.post(reverse("contact_create"), data)
    assert response.status_code == 422 and not Contact.objects.exists()
    form = response.context["form"]
    assert form.rowsets["emails"].forms[1].errors["email"] == ["Enter a valid email address."]
    assert form.rowsets["addresses"].forms[0].errors["country"]
    assert form.rowsets["phones"].forms[0].errors["number"]
    assert form.errors["cf_renewal"] and form.errors["birth_date"]
    html = response.content.decode()
    # the message is next to its input, the input keeps what was typed
    assert re.search(r'id="id_emails-1-email_error"><p class="field-error">Enter a valid email address', html)
    assert 'value="not-an-email"' in html and 'value="grace@navy.test"' in html and 'value="Rear admiral"' in html
    assert 'aria-invalid="true"' in html


def test_empty_rows_are_ignored_and_indexes_still_match(client, admin):
    client = signed_in(client, admin)
    data = form_data(**{
        "emails-TOTAL_FORMS": "3", "emails-0-email": "", "emails-1-email": "ok@x.test", "emails-2-email": "bad@",
        "emails-primary": "2",
    })  # fmt: skip
    response = client.post(reverse("contact_create"), data)
    form = response.context["form"]
    assert response.status_code == 422
    assert form.rowsets["emails"].forms[2].errors and not form.rowsets["emails"].forms[1].errors


def test_add_another_row_without_javascript_keeps_the_input(client, admin):
    client = signed_in(client, admin)
    data = form_data(_add="emails")
    response = client.post(reverse("contact_create"), data)
    assert response.status_code == 200 and not Contact.objects.exists()
    assert len(response.context["form"].rowsets["emails"].forms) == 3
    assert 'value="grace@navy.test"' in response.content.decode()
    assert 'data-focus-rows="emails"' in response.content.decode()


def test_company_picker_names_must_match_one_visible_company(client, admin):
    make_company(admin, name="Twin")
    make_company(admin, name="Twin")
    client = signed_in(client, admin)
    data = form_data(**{"companies-TOTAL_FORMS": "2", "companies-0-company": "Twin", "companies-1-company": "Nobody"})
    response = client.post(reverse("contact_create"), data)
    rows = response.context["form"].rowsets["companies"].forms
    assert response.status_code == 422
    assert "Several" in rows[0].errors["company"][0] and "No company" in rows[1].errors["company"][0]


def test_owner_choices_are_limited_to_what_the_actor_may_assign(client, rep, red):
    teammate = UserFactory(team=red)
    outsider = UserFactory(team=TeamFactory(name="Blue"))
    client = signed_in(client, rep)
    form = client.get(reverse("contact_create")).context["form"]
    assert [v for v, _ in form.fields["owner"].choices if v] == [str(rep.pk)]  # sales reps write their own only
    response = client.post(reverse("contact_create"), form_data(owner=str(outsider.pk)))
    assert response.status_code == 422 and response.context["form"].errors["owner"]
    assert not Contact.objects.exists() and teammate


def test_edit_shows_current_values_and_saves(client, admin):
    acme = make_company(admin, name="Acme")
    contact = make_contact(admin, emails=["a@x.test", "b@x.test"], companies=[{"company": acme.pk, "role": "CTO"}],
                           display_name="Gracie", birth_date="1906-12-09")  # fmt: skip
    client = signed_in(client, admin)
    response = client.get(reverse("contact_edit", args=[contact.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="Acme · #{acme.pk}"' in html and 'value="b@x.test"' in html and 'value="1906-12-09"' in html
    assert response.context["form"].initial["display_name"] == "Gracie"
    data = form_data(**{
        "emails-TOTAL_FORMS": "2", "emails-0-email": "a@x.test", "emails-1-email": "b@x.test", "emails-primary": "1",
        "companies-TOTAL_FORMS": "1", "companies-0-company": f"Acme · #{acme.pk}", "companies-0-role": "CEO",
        "display_name": "", "owner": str(admin.pk), "team": str(admin.team_id),
    })  # fmt: skip
    response = client.post(reverse("contact_edit", args=[contact.pk]), data)
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.email == "b@x.test" and contact.display_name == "Grace Hopper"
    assert contact.memberships.get().role == "CEO"


def test_edit_and_delete_answer_404_out_of_scope_and_403_read_only(client, rep, reader, red):
    hidden = make_contact(UserFactory(team=TeamFactory(name="Blue")))
    visible = make_contact(UserFactory(team=red))
    client = signed_in(client, rep)
    for name in ("contact_detail", "contact_edit", "contact_delete"):
        assert client.get(reverse(name, args=[hidden.pk])).status_code == 404
    assert client.get(reverse("contact_field", args=[hidden.pk, "job_title"]), **htmx()).status_code == 404
    assert client.get(reverse("contact_edit", args=[visible.pk])).status_code == 403
    assert client.post(reverse("contact_edit", args=[visible.pk]), form_data()).status_code == 403
    assert client.post(reverse("contact_delete", args=[visible.pk])).status_code == 403
    response = client.post(reverse("contact_field", args=[visible.pk, "job_title"]), {"job_title": "x"}, **htmx())
    assert response.status_code == 403
    visible.refresh_from_db()
    assert visible.job_title == "" and Contact.objects.count() == 2
    # the card of a read-only record has no edit controls
    html = signed_in(client, reader).get(reverse("contact_detail", args=[visible.pk])).content.decode()
    assert "data-inline-trigger" not in html and reverse("contact_edit", args=[visible.pk]) not in html
    assert reverse("contact_create") not in client.get(LIST).content.decode()
    assert client.get(reverse("contact_create")).status_code == 403


def test_delete_asks_then_deletes(client, admin):
    contact = make_contact(admin)
    client = signed_in(client, admin)
    url = reverse("contact_delete", args=[contact.pk])
    assert "Delete Ada Lovelace?" in client.get(url).content.decode()
    assert Contact.objects.exists()
    response = client.post(url)
    assert response.status_code == 302 and response.url == LIST and not Contact.objects.exists()


# --- the card ------------------------------------------------------------------------------------------


def test_card_shows_the_whole_person(client, admin):
    services.custom_field_create(
        actor=admin, data={"object_type": "contact", "label": "Account", "field_type": "reference",
                           "reference_type": "company"},
    )  # fmt: skip
    acme = make_company(admin, name="Acme")
    contact = make_contact(
        admin, prefix="Dr", job_title="Engineer", emails=[{"email": "ada@x.test", "label": "work"}, "ada@home.test"],
        phones=["+33 6 12 34 56 78"], addresses=[{"street": "Main St", "number": "1", "city": "Paris", "country": "FR"}],
        companies=[{"company": acme.pk, "role": "CTO"}], tags=["vip"], lifecycle_stage="customer", stance="critical",
        stance_reason="Billing <trouble>", language="pt-BR", time_zone="Europe/Paris", linkedin="@ada",
        preferred_channel="email", email_opt_in=True, do_not_contact=True, custom={"account": acme.pk},
    )  # fmt: skip
    response = signed_in(client, admin).get(reverse("contact_detail", args=[contact.pk]))
    html = response.content.decode()
    for text in ("mailto:ada@x.test", "ada@home.test", "tel:+33612345678", "+33 6 12 34 56 78", "Main St 1",
                 "France", "CTO", "Customer", "Critical", "Billing &lt;trouble&gt;", f"Set by {admin}",
                 "Portuguese (BR)", "Europe/Paris", "https://www.linkedin.com/in/ada", "Do not contact",
                 "Prefers email", "Profile completeness", ">vip<"):  # fmt: skip
        assert text in html, text
    assert f'href="{reverse("company_detail", args=[acme.pk])}">Acme</a>' in html  # company and the reference
    assert html.count(f'href="{reverse("company_detail", args=[acme.pk])}"') >= 3
    for name in ("timeline", "tasks_panel", "notes_panel", "interaction_log"):
        assert reverse(name, args=["contact", contact.pk]) in html
    assert f'id="timeline-contact-{contact.pk}"' in html and f'id="tasks-contact-{contact.pk}"' in html
    assert response.context["completeness"]["score"] == contact.completeness


@pytest.fixture
def section_template(settings):
    """A template for a test card section, from memory."""
    engine = {**settings.TEMPLATES[0]}
    engine["APP_DIRS"] = False
    engine["OPTIONS"] = {**engine.get("OPTIONS", {}), "loaders": [
        ("django.template.loaders.locmem.Loader", {"test/section.html": "Test section: {{ data.n }} for {{ record }}"}),
        "django.template.loaders.filesystem.Loader", "django.template.loaders.app_directories.Loader",
    ]}  # fmt: skip
    settings.TEMPLATES = [engine]
    return "test/section.html"


def test_card_renders_registered_sections_only(client, admin, section_template):
    contact = make_contact(admin)
    client = signed_in(client, admin)
    html = client.get(reverse("contact_detail", args=[contact.pk])).content.decode()
    assert "card-section" not in html  # nothing registered: no placeholder
    card.register_section("deals", title="Deals", template=section_template, order=10,
                          context=lambda request, record, object_type: {"n": 3})  # fmt: skip
    card.register_section("tickets", title="Tickets", template=section_template,
                          context=lambda request, record, object_type: None)  # fmt: skip
    card.register_section("scores", title="Scores", object_types=("company",), url=lambda record, ot: "/x/")
    try:
        html = client.get(reverse("contact_detail", args=[contact.pk])).content.decode()
        assert "card-section-deals" in html and "Test section: 3 for Ada Lovelace" in html
        assert "Tickets" not in html and "Scores" not in html
    finally:
        for key in ("deals", "tickets", "scores"):
            card.unregister_section(key)
    with pytest.raises(ValueError):
        card.register_section("bad", title="Bad", object_types=("deal",), template="x.html")


def test_card_queries_do_not_grow_with_history(client, admin, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    contact = make_contact(admin, emails=["a@x.test"], tags=["a"], companies=[make_company(admin, name="C").pk])
    client = signed_in(client, admin)
    url = reverse("contact_detail", args=[contact.pk])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    now = timezone.now()
    interactions = Interaction.objects.bulk_create(
        Interaction(kind="email", occurred_at=now - timedelta(minutes=i), subject=f"Mail {i}") for i in range(10_000)
    )
    InteractionLink.objects.bulk_create(
        (
            InteractionLink(interaction=i, contact=contact, occurred_at=i.occurred_at, kind="email")
            for i in interactions
        ),
        batch_size=2000,
    )
    services.contact_update(actor=admin, contact=contact, data={
        "emails": [f"e{i}@x.test" for i in range(20)], "tags": [f"t{i}" for i in range(20)],
        "companies": [make_company(admin, name=f"C{i}").pk for i in range(5)],
    })  # fmt: skip
    assert count() == before
    with django_assert_max_num_queries(16):
        client.get(url)


# --- editing in place ----------------------------------------------------------------------------------


def test_inline_edit_form_save_and_cancel(client, admin):
    contact = make_contact(admin, job_title="Engineer")
    client = signed_in(client, admin)
    url = reverse("contact_field", args=[contact.pk, "job_title"])
    response = client.get(url, {"edit": "1"}, **htmx())
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'hx-post="' + url + '"' in html and 'value="Engineer"' in html
    response = client.post(url, {"job_title": "Countess"}, **htmx())
    contact.refresh_from_db()
    assert response.status_code == 200 and contact.job_title == "Countess"
    html = response.content.decode()
    assert 'id="field-job_title"' in html and "Countess" in html and 'hx-swap-oob="true"' in html
    assert "Job title saved." in response["HX-Trigger"]
    assert "Countess" in client.get(url, **htmx()).content.decode()  # cancel: the part as shown
    assert client.get(url).status_code == 302  # without htmx: the card
    assert client.get(reverse("contact_field", args=[contact.pk, "nonsense"]), **htmx()).status_code == 404


def test_inline_edit_of_stance_owner_and_primary_email(client, admin, rep):
    contact = make_contact(admin, emails=["a@x.test", "b@x.test"])
    client = signed_in(client, admin)
    client.post(reverse("contact_field", args=[contact.pk, "stance"]), {"stance": "advocate", "stance_reason": "Fan"},
                **htmx())  # fmt: skip
    client.post(
        reverse("contact_field", args=[contact.pk, "owner"]), {"owner": rep.pk, "team": admin.team_id}, **htmx()
    )
    data = {"emails-TOTAL_FORMS": "2", "emails-INITIAL_FORMS": "2", "emails-0-email": "a@x.test",
            "emails-1-email": "b@x.test", "emails-primary": "1"}  # fmt: skip
    response = client.post(reverse("contact_field", args=[contact.pk, "emails"]), data, **htmx())
    contact.refresh_from_db()
    assert (contact.stance, contact.stance_reason, contact.stance_set_by_id) == ("advocate", "Fan", admin.pk)
    assert contact.owner_id == rep.pk and contact.email == "b@x.test"
    assert "Primary" in response.content.decode()


def test_inline_edit_errors_come_back_with_422(client, admin):
    contact = make_contact(admin, emails=["a@x.test"])
    client = signed_in(client, admin)
    data = {"emails-TOTAL_FORMS": "1", "emails-INITIAL_FORMS": "1", "emails-0-email": "nope", "emails-primary": "0"}
    response = client.post(reverse("contact_field", args=[contact.pk, "emails"]), data, **htmx())
    assert response.status_code == 422 and 'value="nope"' in response.content.decode()
    assert "Enter a valid email address." in response.content.decode()
    assert list(ContactEmail.objects.values_list("email", flat=True)) == ["a@x.test"]
    # a mandatory field the part does not show is reported in the part's form
    services.field_policy_update(actor=admin, object_type="contact", required_fields=["job_title"])
    response = client.post(reverse("contact_field", args=[contact.pk, "lead_source"]), {"lead_source": "x"}, **htmx())
    assert response.status_code == 422 and "Job title is required." in response.content.decode()


# --- the record lookup ---------------------------------------------------------------------------------


def test_lookup_suggests_visible_records_only(client, rep):
    make_contact(rep, first_name="Adam", email="adam@x.test")
    make_contact(UserFactory(team=TeamFactory(name="Blue")), first_name="Adele")
    response = signed_in(client, rep).get(reverse("contact_lookup"), {"q": "ad"})
    html = response.content.decode()
    assert "Adam Lovelace · #" in html and "Adele" not in html and "adam@x.test" in html
    assert client.get(reverse("contact_lookup")).content.decode().strip() == ""


def test_custom_fields_of_every_type_round_trip_through_the_form(client, admin):
    admin.time_zone = "Europe/Paris"
    admin.save()
    fields = {
        "note": ("long_text", {}), "count": ("number", {}), "budget": ("money", {"currency": "EUR"}),
        "share": ("percent", {}), "renewal": ("date", {}), "call_at": ("datetime", {}), "active": ("boolean", {}),
        "site": ("url", {}), "alt_email": ("email", {}), "alt_phone": ("phone", {}),
        "account": ("reference", {"reference_type": "company"}),
    }  # fmt: skip
    for key, (field_type, extra) in fields.items():
        services.custom_field_create(
            actor=admin,
            data={"object_type": "contact", "key": key, "label": key.title(), "field_type": field_type, **extra},
        )
    acme = make_company(admin, name="Acme")
    client = signed_in(client, admin)
    html = client.get(reverse("contact_create")).content.decode()
    for widget in ('name="cf_note" cols="40" rows="3"', 'type="datetime-local" name="cf_call_at"', 'name="cf_renewal"',
                   'type="date"', 'Budget (EUR)', 'Share (%)', 'type="url" name="cf_site"', 'type="tel" name="cf_alt_phone"',
                   'data-lookup="/companies/lookup/"'):  # fmt: skip
        assert widget in html, widget
    data = form_data(**{
        "cf_note": "Line 1\nLine 2", "cf_count": "12", "cf_budget": "1,250.50", "cf_share": "12.5",
        "cf_renewal": "2026-12-31", "cf_call_at": "2026-05-01T14:30", "cf_active": "false", "cf_site": "acme.test",
        "cf_alt_email": "ALT@x.test", "cf_alt_phone": "+33 6 12 34 56 78", "cf_account": "acme",
        "owner": admin.pk, "team": admin.team_id,
    })  # fmt: skip
    response = client.post(reverse("contact_create"), data)
    assert response.status_code == 302, response.context["form"].errors
    contact = Contact.objects.get()
    assert contact.custom == {
        "note": "Line 1\nLine 2", "count": 12, "budget": 1250.5, "share": 12.5, "renewal": "2026-12-31",
        "call_at": "2026-05-01T12:30:00Z", "active": False, "site": "https://acme.test", "alt_email": "alt@x.test",
        "alt_phone": "+33612345678", "account": acme.pk,
    }  # fmt: skip
    form = client.get(reverse("contact_edit", args=[contact.pk])).context["form"]
    assert form.initial["cf_call_at"] == "2026-05-01T14:30" and form.initial["cf_active"] == "false"
    assert form.initial["cf_account"] == f"Acme · #{acme.pk}" and form.initial["cf_alt_phone"] == "+33 6 12 34 56 78"
    html = client.get(reverse("contact_detail", args=[contact.pk])).content.decode()
    assert "1,250.50 EUR" in html and "12.5 %" in html and f'href="/companies/{acme.pk}/">Acme</a>' in html


@pytest.mark.parametrize(("key", "export", "imports", "bulk"), [
    ("admin", True, True, True), ("manager", True, True, True), ("sales_rep", False, False, True),
    ("marketer", True, True, True), ("read_only", False, False, False),
])  # fmt: skip
def test_list_actions_follow_the_role_features(client, red, key, export, imports, bulk):
    user = UserFactory(role=role(key), team=red)
    make_contact(UserFactory(role=role("admin"), team=red))
    if key != "read_only":  # read-only users create nothing
        make_contact(user)
    html = signed_in(client, user).get(LIST).content.decode()
    assert ('action="/contacts/export/' in html) is export
    assert ("/imports/new/?type=contact" in html) is imports
    assert ('id="bulk-form"' in html) is bulk
