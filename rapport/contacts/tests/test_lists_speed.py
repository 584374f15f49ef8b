"""The lists at scale, in their behaviour: relation filters by literal ids or by EXISTS (the same rows either
way), the city filter, empty values last in both directions across keyset pages, cursors that survive their
row leaving the filter, the count asked for after the page, and bulk actions on every matching record within
the actor's write access."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rapport.contacts import selectors, services
from rapport.contacts.models import Contact, CustomField
from rapport.contacts.selectors import lists
from rapport.contacts.tasks import build_custom_sort_index
from rapport.contacts.views import _list_actions
from rapport.core.worker import run_ready_tasks
from tests.factories import TeamFactory, UserFactory, make_company, make_contact, role

pytestmark = pytest.mark.django_db

LIST = reverse("contact_list")
BULK = reverse("contact_bulk")


@pytest.fixture
def red():
    return TeamFactory(name="Red")


@pytest.fixture
def admin(red):
    return UserFactory(username="admin", role=role("admin"), team=red)


@pytest.fixture
def rep(red):
    return UserFactory(username="rep", role=role("sales_rep"), team=red)


def ids_of(actor, filters, ordering="display_name"):
    spec = lists.LIST_SPECS["contact"].with_custom()
    return [c.pk for c in selectors.contact_list(actor=actor, filters=filters, spec=spec).order_by("pk")]


def all_pages(actor, ordering, *, limit=2, filters=None):
    spec = lists.LIST_SPECS["contact"].with_custom()
    seen, cursor = [], None
    while True:
        rows, cursor = spec.page(
            selectors.contact_list(actor=actor, filters=filters or {}, spec=spec),
            ordering=ordering,
            cursor=cursor,
            limit=limit,
        )
        seen += [r.pk for r in rows]
        if not cursor:
            return seen


# --- relation filters: literal ids or EXISTS --------------------------------------------------------------


@pytest.fixture
def tagged(admin):
    acme = make_company(admin, name="Acme")
    people = {
        "ann": make_contact(admin, first_name="Ann", tags=["vip"], addresses=[{"city": "Paris"}]),
        "bob": make_contact(admin, first_name="Bob", tags=["VIP", "new"], addresses=[{"city": "paris-saclay"}]),
        "cy": make_contact(admin, first_name="Cy", tags=["new"], addresses=[{"city": "Lyon"}], companies=[acme.pk]),
        "di": make_contact(admin, first_name="Di", companies=[acme.pk]),
    }
    make_company(admin, name="Paris Holdings", addresses=[{"city": "Paris"}])  # a company's address, not a person's
    return {k: v.pk for k, v in people.items()} | {"acme": acme.pk}


@pytest.mark.parametrize("few_ids", [5000, 1], ids=["literal-ids", "exists"])
def test_relation_filters_find_the_same_rows_by_ids_or_by_exists(admin, tagged, monkeypatch, few_ids):
    monkeypatch.setattr(lists, "FEW_IDS", few_ids)
    p = tagged
    cases = [
        ({"tags": "vip"}, [p["ann"], p["bob"]]),
        ({"tags": "Vip,new"}, [p["ann"], p["bob"], p["cy"]]),
        ({"tags": "nothing"}, []),
        ({"city": "PARIS"}, [p["ann"], p["bob"]]),  # starts with, in any case
        ({"city": "pari"}, [p["ann"], p["bob"]]),
        ({"city": "paris-"}, [p["bob"]]),
        ({"city": "lyon"}, [p["cy"]]),
        ({"city": "yon"}, []),  # the beginning of the name, not any part of it
        ({"company": str(p["acme"])}, [p["cy"], p["di"]]),
        ({"tags": "new", "city": "lyon"}, [p["cy"]]),
    ]
    for filters, expected in cases:
        spec = lists.LIST_SPECS["contact"].with_custom()
        with CaptureQueriesContext(connection) as ctx:
            found = [c.pk for c in selectors.contact_list(actor=admin, filters=filters, spec=spec).order_by("pk")]
        assert found == sorted(expected), filters
        sql = ctx.captured_queries[-1]["sql"].upper()
        # two rows or more match: literal ids under the threshold, EXISTS over it
        if len(expected) > 1:
            assert ("EXISTS" in sql) == (few_ids == 1), (filters, sql)


def test_relation_filters_stay_within_the_readers_scope(admin, rep, red, monkeypatch):
    stranger = UserFactory(team=TeamFactory(name="Blue"))
    mine = make_contact(rep, first_name="Mine", tags=["vip"], addresses=[{"city": "Oslo"}])
    hidden = make_contact(stranger, first_name="Hidden", tags=["vip"], addresses=[{"city": "Oslo"}])
    for few_ids in (5000, 0):
        monkeypatch.setattr(lists, "FEW_IDS", few_ids)
        assert ids_of(rep, {"tags": "vip"}) == [mine.pk]
        assert ids_of(rep, {"city": "oslo"}) == [mine.pk]
        assert ids_of(admin, {"tags": "vip"}) == [mine.pk, hidden.pk]


# --- empty values last, in both directions, across pages ------------------------------------------------


def test_empty_values_come_last_in_both_directions_across_pages(admin):
    services.custom_field_create(actor=admin, data={"object_type": "contact", "label": "Score", "field_type": "number"})
    acme, beta = make_company(admin, name="Acme"), make_company(admin, name="Beta")
    rows = [  # job title, birth date, score, company
        ("Zoo keeper", "1990-01-01", 3, acme.pk),
        ("", None, None, None),
        ("Analyst", "1980-05-05", 10, beta.pk),
        ("", "1970-01-01", None, acme.pk),
        ("Analyst", None, 1, None),
        ("Baker", "1985-01-01", 10, beta.pk),
        ("", None, 2, None),
    ]
    made = []
    for i, (title, born, score, company) in enumerate(rows):
        made.append(make_contact(
            admin, first_name=f"P{(5 * i) % 7}", job_title=title, birth_date=born, custom={"score": score} if score else {},
            companies=[company] if company else [],
        ).pk)  # fmt: skip
    people = Contact.objects.in_bulk(made)

    def expected(key, descending, empty_key=lambda c: ()):
        filled = [pk for pk in made if key(people[pk]) not in (None, "")]
        empty = [pk for pk in made if key(people[pk]) in (None, "")]
        filled.sort(key=lambda pk: (key(people[pk]), pk), reverse=descending)
        return filled + sorted(empty, key=lambda pk: (empty_key(people[pk]), pk), reverse=descending)

    keys = {
        "job_title": lambda c: c.job_title,
        "birth_date": lambda c: c.birth_date,
        "cf.score": lambda c: c.custom.get("score"),
        "company": lambda c: (c.company.name, c.company_id, c.display_name) if c.company_id else None,
    }
    for ordering, key in keys.items():
        for descending in (False, True):
            # without a company, by name (the order of the (company, name) index), then id
            wanted = expected(key, descending, (lambda c: c.display_name) if ordering == "company" else (lambda c: ()))
            token = ("-" if descending else "") + ordering
            assert all_pages(admin, token, limit=2) == wanted, token
            assert all_pages(admin, token, limit=3) == wanted, token
            assert all_pages(admin, token, limit=50) == wanted, token


def test_a_cursor_outlives_its_row_leaving_the_filter(admin):
    people = [make_contact(admin, first_name=f"P{i}", lifecycle_stage="lead").pk for i in range(5)]
    spec = lists.LIST_SPECS["contact"].with_custom()
    rows, cursor = spec.page(selectors.contact_list(actor=admin, filters={"lifecycle_stage": "lead"}, spec=spec),
                             ordering="display_name", cursor=None, limit=2)  # fmt: skip
    Contact.objects.filter(pk=rows[-1].pk).update(lifecycle_stage="customer")
    more, _ = spec.page(selectors.contact_list(actor=admin, filters={"lifecycle_stage": "lead"}, spec=spec),
                        ordering="display_name", cursor=cursor, limit=10)  # fmt: skip
    assert [r.pk for r in more] == people[2:]


def test_custom_sort_index_ddl_names_the_expression_the_list_sorts_by(admin):
    field = services.custom_field_create(
        actor=admin, data={"object_type": "contact", "label": "Score", "field_type": "number"}
    )
    lists.ensure_custom_sort_index(field)
    lists.ensure_custom_sort_index(field)  # idempotent
    spec = lists.LIST_SPECS["contact"].with_custom()
    qs, keys, filled, _ = spec.sort_key(Contact.objects.all(), spec.by_key["cf.score"])
    sql, params = qs.filter(filled).order_by(*keys, "pk")[:5].query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # a handful of rows: make the planner show what it can use
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(("EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN ") + sql, params)
        plan = str(cursor.fetchall())
    assert "contact_cf_score_sort" in plan, plan
    with pytest.raises(ValueError):
        lists.JsonKey("x'; DROP TABLE contacts_contact; --")
    CustomField.objects.filter(pk=field.pk).update(key="other")  # a key that has no index: DROP IF EXISTS
    with connection.cursor() as cursor:
        cursor.execute(lists.custom_sort_index_sql(CustomField.objects.get(pk=field.pk), drop=True))


# --- the count, after the page --------------------------------------------------------------------------


def test_the_count_is_exact_in_page_when_one_page_holds_all_else_asked_for_after(client, admin, monkeypatch):
    Contact.objects.bulk_create(Contact(display_name=f"Person {i:03}", owner=admin, team=admin.team) for i in range(60))
    client.force_login(admin)
    response = client.get(LIST, {"limit": "100"})
    assert response.context["count"] == 60 and 'data-count="60"' in response.content.decode()
    response = client.get(LIST, {"limit": "25"})
    assert response.context["count"] is None and "_count=1" in response.context["count_url"]
    counted = client.get(response.context["count_url"])
    assert 'data-count="60"' in counted.content.decode() and "60 contacts" in counted.content.decode()
    monkeypatch.setattr("rapport.contacts.views._lists.COUNT_CAP", 40)
    counted = client.get(LIST, {"_count": "1"})
    assert "40+ contacts" in counted.content.decode() and "data-capped" in counted.content.decode()


# --- bulk actions on every matching record -------------------------------------------------------------


@pytest.fixture
def spread(rep, red):
    """Contacts tagged "lead-x": the rep's own (writable), a teammate's (readable only), another team's
    (unseen), and one of the rep's without the tag."""
    teammate = UserFactory(team=red, role=role("sales_rep"))
    stranger = UserFactory(team=TeamFactory(name="Blue"), role=role("sales_rep"))
    own = [make_contact(rep, first_name=f"Own{i}", tags=["lead-x"]).pk for i in range(5)]
    team = [make_contact(teammate, first_name=f"Team{i}", tags=["lead-x"]).pk for i in range(2)]
    hidden = [make_contact(stranger, first_name=f"Hidden{i}", tags=["lead-x"]).pk for i in range(2)]
    other = make_contact(rep, first_name="Untagged").pk
    return {"own": own, "team": team, "hidden": hidden, "other": other}


def tagged_with(tag):
    return set(Contact.objects.filter(tags__name=tag).values_list("pk", flat=True))


def test_select_all_matching_applies_to_every_match_the_actor_may_change(client, rep, spread, monkeypatch):
    monkeypatch.setattr(_list_actions, "BATCH", 2)  # several batches
    client.force_login(rep)
    page = client.get(LIST, {"tags": "lead-x", "limit": "25"})
    assert 'name="all_matching"' in page.content.decode()
    response = client.post(BULK, {"all_matching": "1", "query": "tags=lead-x", "action": "tag_add",
                                  "bulk_tag": "done", "ids": [spread["own"][0]]}, follow=True)  # fmt: skip
    html = response.content.decode()
    assert tagged_with("done") == set(spread["own"])  # not the teammate's, not the unseen, not the untagged
    assert "5 contacts tagged" in html and "2 selected contacts left alone" in html
    client.post(BULK, {"all_matching": "1", "query": "tags=lead-x", "action": "stage", "bulk_stage": "customer"})
    assert set(Contact.objects.filter(lifecycle_stage="customer").values_list("pk", flat=True)) == set(spread["own"])


def test_select_all_matching_delete_confirms_then_deletes_only_what_the_actor_may(client, rep, spread):
    client.force_login(rep)
    response = client.post(BULK, {"all_matching": "1", "query": "tags=lead-x", "action": "delete", "next": LIST})
    assert response.status_code == 302 and "all_matching=1" in response.url
    confirm = client.get(response.url).content.decode()
    assert "Delete 5 contacts?" in confirm and "2 other selected records you may not delete stay" in confirm
    assert Contact.objects.count() == 10
    client.post(response.url)
    assert set(Contact.objects.values_list("pk", flat=True)) == {*spread["team"], *spread["hidden"], spread["other"]}


def test_select_all_matching_refuses_too_many_and_bad_filters(client, admin, rep, spread, monkeypatch):
    monkeypatch.setattr(_list_actions, "MATCHING_MAX", 3)
    client.force_login(admin)
    response = client.post(BULK, {"all_matching": "1", "query": "tags=lead-x", "action": "tag_add",
                                  "bulk_tag": "done"}, follow=True)  # fmt: skip
    assert "More than 3 contacts match" in response.content.decode() and not tagged_with("done")
    response = client.post(BULK, {"all_matching": "1", "query": "birth_date__gte=someday", "action": "tag_add",
                                  "bulk_tag": "done"}, follow=True)  # fmt: skip
    assert "not valid" in response.content.decode() and not tagged_with("done")


def test_select_all_matching_reads_ids_in_batches_not_per_record(client, admin, monkeypatch):
    """The ids come a batch at a time; the work per batch is the bulk service's (one access check each)."""
    monkeypatch.setattr(_list_actions, "BATCH", 10)
    for i in range(30):
        make_contact(admin, first_name=f"P{i}", lifecycle_stage="lead")
    client.force_login(admin)
    with CaptureQueriesContext(connection) as ctx:
        client.post(BULK, {"all_matching": "1", "query": "lifecycle_stage=lead", "action": "tag_add",
                           "bulk_tag": "batch"})  # fmt: skip
    id_reads = [
        q for q in ctx.captured_queries if 'SELECT "contacts_contact"."id"' in q["sql"] and "LIMIT 10" in q["sql"]
    ]
    assert len(id_reads) == 4  # three full batches, then the empty one that ends it
    assert len(tagged_with("batch")) == 30


def test_the_team_scope_finds_the_same_rows_however_it_is_written(rep, red, monkeypatch):
    teammate = UserFactory(team=red, role=role("sales_rep"))
    stranger = UserFactory(team=TeamFactory(name="Blue"), role=role("sales_rep"))
    mine = make_contact(rep, first_name="Mine")
    theirs = make_contact(teammate, first_name="Theirs")
    make_contact(stranger, first_name="Hidden")
    Contact.objects.create(display_name="Nobody's, in Red", team=red)
    Contact.objects.create(display_name="Mine, no team", owner=rep)
    expected = set(selectors.contact_queryset(actor=rep).values_list("pk", flat=True))
    assert {mine.pk, theirs.pk} < expected and len(expected) == 4
    for few_ids in (5000, 1):  # a small team keeps the plain form; a big one gets the walkable one (SQLite)
        monkeypatch.setattr(lists, "FEW_IDS", few_ids)
        spec = lists.LIST_SPECS["contact"].with_custom()
        queryset = selectors.contact_list(actor=rep, spec=spec)
        assert set(queryset.values_list("pk", flat=True)) == expected
        assert ("COALESCE" in str(queryset.query)) == (few_ids == 1 and connection.vendor == "sqlite")
        assert set(ids_of(rep, {"lifecycle_stage__empty": "1"})) == expected


def test_a_custom_field_gets_its_sort_index_and_loses_it_with_the_field():
    from django.db import connection

    from rapport.contacts.services import settings as field_services
    from tests.factories import UserFactory, role

    admin = UserFactory(role=role("admin"))
    field = field_services.custom_field_create(
        actor=admin, data={"object_type": "contact", "key": "tier", "label": "Tier", "field_type": "number"}
    )
    name = "contact_cf_tier_sort"
    assert name not in connection.introspection.get_constraints(connection.cursor(), "contacts_contact")
    assert run_ready_tasks() == 1  # built in the background
    assert name in connection.introspection.get_constraints(connection.cursor(), "contacts_contact")
    field_services.custom_field_delete(actor=admin, field=field)
    assert name not in connection.introspection.get_constraints(connection.cursor(), "contacts_contact")


def test_a_custom_field_made_after_records_in_the_same_transaction_gets_its_index():
    # Records written earlier in the transaction leave foreign-key checks pending (deferred on PostgreSQL).
    from django.db import connection, transaction

    from rapport.contacts.services import settings as field_services
    from tests.factories import UserFactory, make_company, role

    admin = UserFactory(role=role("admin"))
    with transaction.atomic():
        make_company(admin, name="Pending")
        field_services.custom_field_create(
            actor=admin, data={"object_type": "company", "key": "tier", "label": "Tier", "field_type": "number"}
        )
        assert run_ready_tasks() == 1
    assert "company_cf_tier_sort" in connection.introspection.get_constraints(connection.cursor(), "contacts_company")


@pytest.mark.django_db(transaction=True)
def test_a_custom_field_index_is_built_outside_a_transaction_without_blocking_writes():
    # On PostgreSQL, outside a transaction, the index is built CONCURRENTLY.
    from django.db import connection

    from rapport.contacts.services import settings as field_services
    from tests.factories import UserFactory, role

    admin = UserFactory(role=role("admin"))
    field = field_services.custom_field_create(
        actor=admin, data={"object_type": "contact", "key": "tier", "label": "Tier", "field_type": "number"}
    )
    assert run_ready_tasks() == 1
    assert "contact_cf_tier_sort" in connection.introspection.get_constraints(connection.cursor(), "contacts_contact")
    field_services.custom_field_delete(actor=admin, field=field)
    assert build_custom_sort_index.call(field.pk) is False  # the field is gone: nothing is built
    assert "contact_cf_tier_sort" not in connection.introspection.get_constraints(
        connection.cursor(), "contacts_contact"
    )


def test_contains_filters_on_category_fields_have_statistics_for_postgresql(admin):
    # PostgreSQL guesses "contains" rare without statistics of UPPER(field) and sorts the whole match.
    make_company(admin, name="Initech", industry="Software")
    make_company(admin, name="Globex", industry="Energy")
    spec = lists.LIST_SPECS["company"].with_custom()
    found = selectors.company_list(actor=admin, filters={"industry": "soft"}, spec=spec)
    assert [c.name for c in found] == ["Initech"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT stxname FROM pg_statistic_ext WHERE stxname LIKE %s", ["%_upper_stats"])
            names = {row[0] for row in cursor.fetchall()}
        assert names == {
            "company_industry_upper_stats",
            "contact_job_title_upper_stats",
            "contact_department_upper_stats",
            "contact_lead_source_upper_stats",
        }
