"""The matcher's parts without a database: canonical values, comparison levels, the Fellegi-Sunter model learned
without labels, blocking."""

import random
from datetime import date

import pytest

from rapport.identity import blocking, clusters, comparisons, fellegi_sunter
from rapport.identity.comparisons import compare_births, compare_names
from rapport.identity.fellegi_sunter import Model, train
from rapport.identity.records import canonical_email, name_part, person, phone_key


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("J.Smith+crm@GoogleMail.com", "jsmith@gmail.com"),
        ("john.smith+news@outlook.com", "john.smith@outlook.com"),
        ("john.smith+news@acme.com", "john.smith+news@acme.com"),  # a company server may route on the tag
        ("test@test.com", ""),
        ("noemail@acme.com", ""),
        ("not an email", ""),
        ("", ""),
    ],
)
def test_emails_are_compared_as_the_provider_delivers_them(raw, expected):
    assert canonical_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+44 20 7946 0958", "079460958"),
        ("020 7946 0958", "079460958"),
        ("(415) 555-2671", "155552671"),
        ("0000000000", ""),
        ("1234567890", ""),
        ("555", ""),
    ],
)
def test_phones_agree_with_or_without_country_code_and_placeholders_are_dropped(raw, expected):
    assert phone_key(raw) == expected


def test_names_are_folded_and_placeholders_dropped():
    assert name_part("  José-Luis ") == "jose luis"
    assert name_part("O'Brien") == "obrien"
    assert name_part("N/A") == name_part("Unknown") == name_part("TEST") == ""


def _p(first, last, birth=None, **kw):
    return person(random.random(), first=first, last=last, birth=birth, **kw)


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        (("Robert", "Smith"), ("ROBERT", "smith"), "exact"),
        (("Robert", "Smith"), ("Smith", "Robert"), "swapped"),
        (("Robert", "Smith"), ("Bob", "Smith"), "nickname"),
        (("Robert", "Smith"), ("R.", "Smith"), "initial or typo"),
        (("Robert", "Smith"), ("Robret", "Smtih"), "initial or typo"),
        (("Robert", "Smith"), ("Alice", "Smith"), "last name only"),
        (("Robert", "Smith"), ("Bob", "Jones"), "first name only"),
        (("Robert", "Smith"), ("Alice", "Jones"), "different"),
    ],
)
def test_name_levels(a, b, level):
    assert comparisons.NAME_LEVELS[compare_names(_p(*a), _p(*b))] == level


def test_a_missing_value_is_no_level():
    assert compare_names(_p("", ""), _p("Robert", "Smith")) is None
    assert compare_births(_p("A", "B"), _p("A", "B", "1980-01-02")) is None
    assert comparisons.compare(_p("A", "B"), _p("A", "B"))[1:] == (None,) * 5


@pytest.mark.parametrize(
    ("other", "level"),
    [("1980-03-04", "exact"), ("1980-04-03", "day and month swapped"), ("1980-03-14", "one digit off"),
     ("1981-07-04", "different")],
)  # fmt: skip
def test_birth_levels(other, level):
    assert comparisons.BIRTH_LEVELS[compare_births(_p("A", "B", "1980-03-04"), _p("A", "B", other))] == level


def test_a_score_explains_itself_and_missing_fields_add_nothing():
    model = Model.default()
    a = _p("Ada", "Lovelace", "1815-12-10", emails=["ada@example.org"])
    b = _p("Ada", "Lovelace", "1815-12-10")
    score = model.score(a, b)
    assert [c.field for c in score.contributions] == ["name", "date_of_birth"]  # no email on b: nothing said
    assert all(c.weight > 0 for c in score.contributions)
    different = model.score(a, _p("Grace", "Hopper", "1906-12-09"))
    assert different.probability < 0.01 < 0.9 < score.probability
    assert sum(c.weight for c in different.contributions) < 0


# --- learning without labels on a population with known duplicates -------------------------------------------

FIRST = ["james", "mary", "robert", "patricia", "john", "jennifer", "michael", "linda", "william", "elizabeth",
         "david", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "charles", "karen"]  # fmt: skip
LAST = ["smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez",
        "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas", "taylor", "moore", "jackson", "martin"]  # fmt: skip
NICK = {"robert": "bob", "william": "bill", "elizabeth": "liz", "michael": "mike", "richard": "dick",
        "james": "jim", "joseph": "joe", "thomas": "tom", "jennifer": "jen", "patricia": "pat"}  # fmt: skip


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def population(n: int, seed: int = 3):
    """n people (some sharing a name), a third of them with a corrupted duplicate; ``truth`` the duplicate pairs."""
    rng = random.Random(seed)
    people, truth = [], set()
    for k in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        birth = date(1940 + rng.randrange(60), 1 + rng.randrange(12), 1 + rng.randrange(28))
        email = f"{first}.{last}{k}@acme-mail.com"
        phone = f"+1 415 {rng.randrange(200, 999)} {rng.randrange(1000, 9999)}"
        people.append(person(len(people), first=first, last=last, birth=birth, emails=[email], phones=[phone]))
        if k % 3 == 0:
            kind = k % 4
            if kind == 0:
                first, last = last, first
            elif kind == 1:
                first = NICK.get(first, first[0])
            elif kind == 2:
                last = _typo(last, rng)
            else:
                birth = date(birth.year, birth.day, birth.month) if birth.day <= 12 else birth
            dup = person(len(people), first=first, last=last, birth=birth,
                         emails=[email] if k % 2 else [], phones=[] if k % 2 else [phone])  # fmt: skip
            truth.add((len(people) - 1, len(people)))
            people.append(dup)
    return people, truth


def test_blocking_finds_the_duplicates_among_few_candidates():
    people, truth = population(3000)
    pairs = set(blocking.candidate_pairs(people))
    assert truth <= pairs
    assert len(pairs) < 30 * len(people)  # not the 4.5 million pairs of all with all


def test_a_huge_block_is_paired_within_a_window():
    people = [_p("John", "Smith", emails=[f"j{i}@x.org"]) for i in range(1000)]
    pairs = list(blocking.candidate_pairs(people))
    assert len(pairs) <= len(people) * blocking.WINDOW * 2


def test_placeholders_never_join_two_records():
    a = _p("Ann", "Lee", emails=["test@test.com"], phones=["0000000000"])
    b = _p("Bo", "Chan", emails=["test@test.com"], phones=["0000000000"])
    assert not set(blocking.candidate_pairs([a, b]))
    assert comparisons.compare(a, b)[2:4] == (None, None)


def test_learned_model_separates_duplicates_from_namesakes():
    people, truth = population(3000)
    pairs = list(blocking.candidate_pairs(people))
    model = train(people, pairs, u_sample=30_000)
    name = next(i for i, c in enumerate(comparisons.COMPARISONS) if c.field == "name")
    assert model.m[name][0] > 10 * model.u[name][0]  # agreeing on the whole name: far likelier for a match
    found = {(i, j) for i, j in pairs if model.score(people[i], people[j]).probability >= 0.5}
    true_positives = len(found & truth)
    precision, recall = true_positives / max(len(found), 1), true_positives / len(truth)
    assert precision > 0.95 and recall > 0.95, (precision, recall)


def test_many_pairs_are_weighed_like_one():
    people, _truth = population(600)
    pairs = list(blocking.candidate_pairs(people))[:300]
    model = train(people, pairs, u_sample=30_000)
    fast = fellegi_sunter.pair_weights(people, pairs, model)
    one_by_one = [model.score(people[i], people[j]).weight for i, j in pairs]
    assert fast == pytest.approx(one_by_one, abs=1e-2)


def test_clusters_are_the_linked_groups_and_stay_small():
    links = [clusters.ScoredPair(0, 1, 9, 0.99), clusters.ScoredPair(1, 2, 8, 0.99), clusters.ScoredPair(3, 4, 7, 0.9)]
    assert sorted(clusters.clusters(6, links)) == [[0, 1, 2], [3, 4]]
    chain = [clusters.ScoredPair(i, i + 1, 10 - i / 100, 0.99) for i in range(50)]
    found = clusters.clusters(51, chain, max_size=20)
    assert max(len(c) for c in found) <= 20 and sum(len(c) for c in found) == 51


def test_a_scan_groups_the_duplicates():
    people, truth = population(1500)
    result = clusters.scan(people, threshold=0.9, u_sample=30_000)
    grouped = {(a, b) for c in result.clusters for a in c for b in c if a < b}
    assert len(grouped & truth) / len(truth) > 0.95
    assert len(grouped & truth) / len(grouped) > 0.95
