"""Global search: matching (prefixes, typos, phones, domains), ranking, record access, the index kept in step with
every write, the rebuild, and the lists' ``q``. Runs on SQLite (FTS5) and PostgreSQL (tsvector + pg_trgm)."""

import pytest
from django.core.management import call_command
from django.db import connection

from rapport.contacts import hooks, selectors, services
from rapport.contacts.models import Contact
from rapport.contacts.search import filter_queryset, rebuild, search
from rapport.contacts.search import text as search_text
from rapport.contacts.search.backends import get_backend
from rapport.users import access
from rapport.users.models import Role
from tests.factories import TeamFactory, UserFactory, make_company, make_contact, role

pytestmark = pytest.mark.django_db


def custom_role(key: str, contact: str, company: str | None = None) -> Role:
    scopes = {"contact": {"read": contact, "write": contact}, "company": {"read": company or contact, "write": "none"}}
    return Role.objects.create(key=key, name=key.title(), scopes=scopes)


@pytest.fixture
def admin():
    return UserFactory(role=role("admin"))


@pytest.fixture
def people(admin):
    """A small book: a company and a few people, some of them near-namesakes."""
    acme = make_company(admin, name="Acme Corporation", domains=["acme.com"], phone="+33 1 42 68 53 00")
    make_company(admin, name="Globex", domains=["globex.io"])
    john = make_contact(
        admin, first_name="John", last_name="Smith", emails=["john.smith@acme.com"], phones=["+33 6 12 34 56 78"],
        companies=[acme.pk], job_title="Head of Sales",
    )  # fmt: skip
    johnson = make_contact(admin, first_name="Mary", last_name="Johnson", emails=["mary@globex.io"])
    jonas = make_contact(admin, first_name="Jonas", last_name="Smithers", emails=["jonas@example.org"])
    by_email = make_contact(admin, first_name="Ada", last_name="Byron", emails=["john.ada@example.org"])
    return {"acme": acme, "john": john, "johnson": johnson, "jonas": jonas, "by_email": by_email}


def found(actor, q, **kw):
    return [(h.type, h.id) for h in search(actor=actor, q=q, **kw)]


def titles(actor, q, **kw):
    return [h.title for h in search(actor=actor, q=q, **kw)]


# --- matching --------------------------------------------------------------------------------------------------


def test_whole_words_and_prefixes(admin, people):
    assert titles(admin, "john smith")[0] == "John Smith"
    assert titles(admin, "joh")[0] == "John Smith"  # the word being typed
    assert "Mary Johnson" in titles(admin, "johns")
    assert titles(admin, "jo smi")[:2] == ["John Smith", "Jonas Smithers"] or set(titles(admin, "jo smi")[:2]) == {
        "John Smith",
        "Jonas Smithers",
    }
    assert titles(admin, "head of sales") == ["John Smith"]  # job title
    assert titles(admin, "SMITH")[0] == "John Smith"  # case
    assert titles(admin, "smïth")[0] == "John Smith"  # accents


def test_typos_are_corrected_when_nothing_matches_as_typed(admin, people):
    hits = search(actor=admin, q="jon smth")
    assert hits[0].title == "John Smith" and hits[0].step == "fuzzy"
    assert titles(admin, "jhon")[0] == "John Smith"  # swapped letters
    assert titles(admin, "acne corporation")[0] == "Acme Corporation"  # a wrong letter
    assert "Mary Johnson" in titles(admin, "jonhson")
    assert search(actor=admin, q="qqqqzz") == []


def test_ranking_whole_word_above_prefix_above_typo_and_name_above_email(admin, people):
    hits = search(actor=admin, q="john")
    ranked = [h.title for h in hits]
    # John Smith: name; Ada Byron: only an email (john.ada@); Mary Johnson: prefix of a name.
    assert ranked.index("John Smith") < ranked.index("Ada Byron") < ranked.index("Mary Johnson")
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)
    exact = search(actor=admin, q="smith")[0]
    fuzzy = search(actor=admin, q="smiht")[0]
    assert exact.title == fuzzy.title == "John Smith" and exact.score > fuzzy.score


def test_domains_find_the_company_first_and_its_people(admin, people):
    hits = found(admin, "acme.com")
    assert hits[0] == ("company", people["acme"].pk)
    assert ("contact", people["john"].pk) in hits
    assert found(admin, "acme")[0] == ("company", people["acme"].pk)
    assert ("contact", people["john"].pk) in found(admin, "acme")  # by their company's name
    assert found(admin, "john.smith@acme.com")[0] == ("contact", people["john"].pk)
    assert found(admin, "john.smith@ac")[0] == ("contact", people["john"].pk)


@pytest.mark.parametrize(
    "typed",
    ["+33612345678", "+33 6 12 34 56 78", "0612345678", "06 12 34 56 78", "0612 345 678", "06.12.34.56.78",
     "(0)6-12-34-56-78", "33612345678", "612345678", "061234"],
)  # fmt: skip
def test_phones_in_any_format(admin, people, settings, typed):
    settings.PHONE_DEFAULT_REGION = "FR"
    assert found(admin, typed)[0] == ("contact", people["john"].pk)


def test_phones_without_the_right_default_region(admin, people, settings):
    settings.PHONE_DEFAULT_REGION = "US"  # the national number still matches
    assert found(admin, "0612 345 678")[0] == ("contact", people["john"].pk)
    assert found(admin, "01 42 68 53 00")[0] == ("company", people["acme"].pk)


def test_types_and_limit(admin, people):
    assert {t for t, _ in found(admin, "acme", types=["company"])} == {"company"}
    assert {t for t, _ in found(admin, "acme", types=["contact"])} == {"contact"}
    assert len(found(admin, "acme", limit=1)) == 1
    for i in range(30):
        make_contact(admin, first_name="Zed", last_name=f"Namesake{i}")
    assert len(found(admin, "zed", limit=7)) == 7
    assert len(found(admin, "zed", limit=100)) == 30


@pytest.mark.parametrize(
    "q",
    ["", "   ", "*", '"', "'", "''", '"john', "john\"", "^", "-", "-john", "NEAR(john smith)", "john NEAR smith",
     "john OR smith", "AND", "NOT", "john*", "*john", "{name}: john", "name:john", "jo:*", "a & b | !c", "(", ")",
     "\\", "%", "_", "%_%", "\x00", "🙂", "山田", "\u200b", "-- DROP TABLE x; --", "x" * 5000,
     " ".join(["john"] * 500), "a b c d e f g h i j k l", "+", "++33", "0" * 300, "@", "@@acme.com", ".", "..."],
)  # fmt: skip
def test_absurd_queries_never_fail(admin, people, q):
    hits = search(actor=admin, q=q)
    assert isinstance(hits, list)
    assert list(filter_queryset(Contact.objects.all(), q, object_type="contact")) is not None


def test_query_parsing():
    assert [w.token for w in search_text.parse("  Jean-Pierre  O'Brien, acme.com ").words] == [
        "jean-pierre",
        "obrien",
        "acme.com",
    ]
    phone = search_text.parse("+33 6 12 34 56 78")
    assert phone.phone and "33612345678" in [phone.words[0].token, *phone.words[0].alternatives]
    assert not search_text.parse("12 34").phone  # too short for a phone number: two words
    assert len(search_text.parse(" ".join(f"w{i}" for i in range(50))).words) == search_text.MAX_WORDS
    assert search_text.email_tokens("Jo.Smith@Acme.co.uk") == ["jo", "smith", "acme.co.uk", "acme", "co"]
    assert [w.token for w in search_text.parse("jo.smith@acme.com").words] == ["jo", "smith", "acme.com"]
    assert search_text.parse("jo.smith").words[0].parts == ["jo", "smith"]
    assert "uk" not in search_text.domain_tokens("acme.co.uk") and "acme" in search_text.domain_tokens("acme.co.uk")


# --- record access ----------------------------------------------------------------------------------------------


@pytest.fixture
def world(admin):
    """Two teams; records owned by a rep of each, and one owned by nobody but belonging to team A."""
    team_a, team_b = TeamFactory(), TeamFactory()
    rep_a = UserFactory(role=role("sales_rep"), team=team_a)  # contact read scope: team
    mate_a = UserFactory(role=role("sales_rep"), team=team_a)
    rep_b = UserFactory(role=role("sales_rep"), team=team_b)
    records = {
        "own": make_contact(admin, first_name="Zoe", last_name="Own", owner=rep_a.pk),
        "mate": make_contact(admin, first_name="Zoe", last_name="Mate", owner=mate_a.pk),
        "team_only": make_contact(admin, first_name="Zoe", last_name="Teamonly", owner=None, team=team_a.pk),
        "other": make_contact(admin, first_name="Zoe", last_name="Other", owner=rep_b.pk),
        "nobody": make_contact(admin, first_name="Zoe", last_name="Nobody", owner=None),
    }
    return {"rep_a": rep_a, "rep_b": rep_b, "team_a": team_a, "records": records}


def _visible_by_selector(actor):
    return set(access.scoped(Contact.objects.all(), actor=actor, object_type="contact").values_list("pk", flat=True))


@pytest.mark.parametrize("scope", ["all", "team", "own", "none"])
def test_results_are_exactly_the_readable_records(world, scope):
    actor = world["rep_a"]
    actor.role = custom_role(f"contact_{scope}", scope)
    actor.save()
    hits = {pk for t, pk in found(actor, "zoe", limit=100) if t == "contact"}
    expected = _visible_by_selector(actor) & {c.pk for c in world["records"].values()}
    assert hits == expected
    names = {"all": 5, "team": 3, "own": 1, "none": 0}
    assert len(hits) == names[scope]


def test_access_is_applied_inside_the_query_not_after_the_limit(world, admin):
    """Many newer records out of sight must not push the readable ones out of a small result."""
    for i in range(40):
        make_contact(admin, first_name="Zoe", last_name=f"Hidden{i}", owner=world["rep_b"].pk)
    actor = world["rep_a"]
    hits = {pk for _t, pk in found(actor, "zoe", limit=3)}
    assert hits == {world["records"][k].pk for k in ("own", "mate", "team_only")}
    hits = {pk for _t, pk in found(actor, "zoe", limit=2)}
    assert len(hits) == 2 and hits <= {world["records"][k].pk for k in ("own", "mate", "team_only")}


def test_team_scope_of_a_user_without_team_is_own(world):
    actor = world["rep_a"]
    actor.team = None
    actor.save()
    assert {pk for _t, pk in found(actor, "zoe")} == {world["records"]["own"].pk}


def test_inactive_or_roleless_users_find_nothing(world):
    actor = world["rep_a"]
    actor.is_active = False
    assert found(actor, "zoe") == []
    actor.is_active = True
    actor.role = None
    assert found(actor, "zoe") == []


def test_reassigning_moves_records_in_and_out_of_sight(world, admin):
    rep_a, rep_b = world["rep_a"], world["rep_b"]
    other = world["records"]["other"]
    assert ("contact", other.pk) not in found(rep_a, "zoe other")
    assert ("contact", other.pk) in found(rep_b, "zoe other")
    services.contact_update(actor=admin, contact=other, data={"owner": rep_a.pk})  # the owner's team comes along
    assert ("contact", other.pk) in found(rep_a, "zoe other")
    assert ("contact", other.pk) not in found(rep_b, "zoe other")
    services.contacts_bulk_update(actor=admin, ids=[other.pk], data={"owner": rep_b.pk})
    assert ("contact", other.pk) not in found(rep_a, "zoe other")
    assert ("contact", other.pk) in found(rep_b, "zoe other")
    services.contact_update(actor=admin, contact=other, data={"team": world["team_a"].pk})  # team only
    assert ("contact", other.pk) in found(rep_a, "zoe other")


# --- the index in step with writes ---------------------------------------------------------------------------------


def test_create_update_delete(admin):
    contact = make_contact(admin, first_name="Quentin", last_name="Blake")
    assert found(admin, "quentin") == [("contact", contact.pk)]
    services.contact_update(actor=admin, contact=contact, data={"first_name": "Roald", "emails": ["roald@dahl.test"]})
    assert found(admin, "quentin") == []
    assert found(admin, "roald blake") == [("contact", contact.pk)]
    assert found(admin, "dahl.test") == [("contact", contact.pk)]
    services.contact_delete(actor=admin, contact=contact)
    assert found(admin, "roald") == []
    company = make_company(admin, name="Initech", domains=["initech.test"])
    assert found(admin, "initech") == [("company", company.pk)]
    services.company_update(actor=admin, company=company, data={"name": "Intertrode"})
    assert found(admin, "intertrode") == [("company", company.pk)] and found(admin, "initech.test")
    services.company_delete(actor=admin, company=company)
    assert found(admin, "intertrode") == []


def test_a_company_change_reaches_its_people(admin):
    company = make_company(admin, name="Umbrella", domains=["umbrella.test"])
    alice = make_contact(admin, first_name="Alice", last_name="Abernathy", companies=[company.pk])
    assert ("contact", alice.pk) in found(admin, "umbrella")
    services.company_update(actor=admin, company=company, data={"name": "Raccoon Pharma"})
    assert ("contact", alice.pk) in found(admin, "raccoon")
    assert ("contact", alice.pk) in found(admin, "umbrella.test")  # the domain stayed
    services.company_update(actor=admin, company=company, data={"domains": ["raccoon.test"]})
    assert found(admin, "umbrella") == []
    assert ("contact", alice.pk) in found(admin, "raccoon.test")
    services.company_delete(actor=admin, company=company)
    assert found(admin, "raccoon") == []
    assert found(admin, "alice") == [("contact", alice.pk)]


def test_bulk_hooks_reindex_in_batches(admin, django_assert_max_num_queries):
    """Imports and demo data write rows themselves and call the hook once per batch: a few queries per batch,
    however many records it has."""

    def load(n, name):
        rows = Contact.objects.bulk_create(
            [Contact(first_name=name, last_name=f"L{i}", display_name=f"{name} L{i}", owner=admin) for i in range(n)]
        )
        return [c.pk for c in rows] or list(Contact.objects.filter(first_name=name).values_list("pk", flat=True))

    few = load(3, "Fewbatch")
    many = load(300, "Manybatch")
    with django_assert_max_num_queries(12) as few_queries:
        hooks.records_changed("contact", few)
    with django_assert_max_num_queries(len(few_queries.captured_queries) + 4):
        hooks.records_changed("contact", many)
    assert len(found(admin, "manybatch", limit=100)) == 100
    assert len(found(admin, "fewbatch")) == 3
    Contact.objects.filter(pk__in=many[:10]).delete()
    hooks.records_changed("contact", many[:10])
    assert len({pk for _t, pk in found(admin, "manybatch", limit=100)} & set(many[:10])) == 0


def test_bulk_tagging_keeps_the_index(admin):
    contact = make_contact(admin, first_name="Tagged", last_name="Person")
    services.contacts_bulk_tag(actor=admin, ids=[contact.pk], add=["vip"])
    assert found(admin, "tagged") == [("contact", contact.pk)]


def test_rebuild(admin, people):
    get_backend().clear()
    assert found(admin, "john") == []
    counts = rebuild()
    assert counts["contact"] == 4 and counts["company"] == 2 and counts["words"] > 5
    assert found(admin, "john smith")[0] == ("contact", people["john"].pk)
    assert titles(admin, "jon smth")[0] == "John Smith"  # the vocabulary is back too
    services.contact_update(actor=admin, contact=people["john"], data={"last_name": "Doe"})  # triggers back
    assert titles(admin, "john doe")[0] == "John Doe"


def test_management_command(admin, people, capsys):
    call_command("search_index")
    assert "4 contact" in capsys.readouterr().out
    get_backend().clear()
    call_command("search_index", "--rebuild")
    out = capsys.readouterr().out
    assert "rebuilt" in out and "2 company" in out
    assert found(admin, "globex")[0][0] == "company"


# --- the lists' q ---------------------------------------------------------------------------------------------------


def test_lists_use_the_same_search(admin, people, settings):
    settings.PHONE_DEFAULT_REGION = "FR"
    names = lambda qs: sorted(c.display_name for c in qs)  # noqa: E731
    assert names(selectors.contact_list(actor=admin, filters={"q": "smi"})) == ["John Smith", "Jonas Smithers"]
    assert names(selectors.contact_list(actor=admin, filters={"q": "0612 345 678"})) == ["John Smith"]
    assert names(selectors.contact_list(actor=admin, filters={"q": "acme.com"})) == ["John Smith"]
    assert names(selectors.contact_list(actor=admin, filters={"q": "jon smth"})) == ["John Smith"]  # typo fallback
    assert names(selectors.contact_list(actor=admin, filters={"q": "!!!"})) == []
    companies = selectors.company_list(actor=admin, filters={"q": "acme"})
    assert [c.name for c in companies] == ["Acme Corporation"]
    # The list's own ordering stays.
    ordered = selectors.contact_list(actor=admin, filters={"q": "smith"}).order_by("-display_name")
    assert [c.display_name for c in ordered] == ["Jonas Smithers", "John Smith"]


def test_list_search_stays_within_scope(world):
    visible = selectors.contact_list(actor=world["rep_a"], filters={"q": "zoe"})
    assert {c.pk for c in visible} == {world["records"][k].pk for k in ("own", "mate", "team_only")}


def test_backend_matches_the_database():
    assert get_backend().vendor == connection.vendor


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's reading of common words")
def test_postgresql_reads_common_words_from_the_newest_rows(world, admin, monkeypatch):
    """A word the statistics call common is looked for among the reader's newest rows first (then GIN)."""
    import time

    from rapport.contacts.search.backends import PostgreSQLBackend

    monkeypatch.setattr(PostgreSQLBackend, "_stats", (time.monotonic(), {"1:zoe": 0.5, "1^zo": 0.5}))
    readable = {world["records"][k].pk for k in ("own", "mate", "team_only")}
    assert {pk for _t, pk in found(world["rep_a"], "zoe")} == readable
    assert {pk for _t, pk in found(world["rep_a"], "zoe", limit=2)} < readable
    assert len(found(admin, "zoe")) == 5 and len(found(admin, "zo", limit=3)) == 3
