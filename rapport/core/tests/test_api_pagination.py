"""Cursor pagination: stable keyset order, opaque cursors, bounded limits, constant queries per page."""

from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.core import audit
from rapport.core.pagination import encode_cursor
from rapport.users.models import APIToken, Role, User
from tests.factories import APITokenFactory, TeamFactory, UserFactory, api_token, role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(username="aaa-admin", role=role("admin"))


@pytest.fixture
def headers(admin):
    return {"Authorization": f"Bearer {api_token(admin)}"}


def walk(client, url: str, headers, **params) -> tuple[list[int], int]:
    """Every id of a list, page by page; and the number of pages."""
    seen, cursor, pages = [], None, 0
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = client.get(url, query, headers=headers)
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"items", "next"}
        assert len(body["items"]) <= params.get("limit", 50)
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            return seen, pages


@pytest.mark.parametrize("ordering", ["date_joined", "-date_joined", "username", "-email"])
def test_pages_follow_a_stable_order_even_with_ties(client, headers, ordering):
    UserFactory.create_batch(23)
    if "date_joined" in ordering:  # all equal: only the id tie-break orders them
        User.objects.update(date_joined=datetime(2024, 1, 1, tzinfo=UTC))
    expected = list(
        User.objects.order_by(ordering, "-pk" if ordering.startswith("-") else "pk").values_list("pk", flat=True)
    )
    seen, pages = walk(client, "/api/v1/users", headers, limit=5, ordering=ordering)
    assert seen == expected
    assert pages == 5  # 24 users: 5 + 5 + 5 + 5 + 4, and no empty trailing page


def test_rows_added_or_removed_between_pages_are_not_repeated_or_skipped(client, headers):
    for n in range(0, 20, 2):
        UserFactory(username=f"u{n:02}")
    first = client.get("/api/v1/users", {"limit": 4}, headers=headers).json()
    # aaa-admin, u00, u02, u04 | then u06...
    assert [i["username"] for i in first["items"]] == ["aaa-admin", "u00", "u02", "u04"]
    UserFactory(username="u01")  # lands before the cursor: not shown (no shift of later pages)
    UserFactory(username="u07")  # lands after it: shown in its place
    User.objects.filter(username="u08").delete()
    rest, _ = walk(client, "/api/v1/users", headers, limit=4, cursor=first["next"])
    names = list(User.objects.filter(pk__in=rest).order_by("username").values_list("username", flat=True))
    assert names == ["u06", "u07", "u10", "u12", "u14", "u16", "u18"]
    assert len(rest) == len(set(rest))


def test_datetime_cursors_keep_microseconds(client, headers, admin):
    # Tokens ordered by -created_at, some a microsecond apart: a cursor rounded to milliseconds would lose rows.
    tokens = APITokenFactory.create_batch(6, user=admin)
    for n, token in enumerate(tokens):
        APIToken.objects.filter(pk=token.pk).update(created_at=datetime(2024, 1, 1, 0, 0, 0, n % 3, tzinfo=UTC))
    expected = list(APIToken.objects.order_by("-created_at", "-pk").values_list("pk", flat=True))
    seen, _ = walk(client, "/api/v1/tokens", headers, limit=2)
    assert seen == expected


def test_filters_apply_across_pages(client, headers):
    UserFactory.create_batch(7, is_active=False)
    UserFactory.create_batch(5)
    seen, _ = walk(client, "/api/v1/users", headers, limit=3, is_active="false")
    assert set(seen) == set(User.objects.filter(is_active=False).values_list("pk", flat=True))


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "",  # empty is simply the first page
        encode_cursor("-username", ["zzz", 1]),  # made for another ordering
        encode_cursor("username", ["zzz"]),  # wrong shape
        encode_cursor("username", ["zzz", "not-an-id"]),
    ],
)
def test_a_bad_cursor_is_a_422_problem(client, headers, cursor):
    response = client.get("/api/v1/users", {"cursor": cursor}, headers=headers)
    if cursor == "":
        assert response.status_code == 200
        return
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) == {"cursor"}


def test_a_tampered_cursor_is_refused(client, headers):
    UserFactory.create_batch(3)
    cursor = client.get("/api/v1/users", {"limit": 1}, headers=headers).json()["next"]
    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    assert client.get("/api/v1/users", {"cursor": tampered}, headers=headers).status_code == 422


def test_limit_is_bounded(client, headers):
    bound = settings.NINJA_PAGINATION_MAX_LIMIT
    for limit, status in [(0, 422), (-1, 422), (bound + 1, 422), (bound, 200), (1, 200)]:
        response = client.get("/api/v1/users", {"limit": limit}, headers=headers)
        assert response.status_code == status, (limit, response.content)
    UserFactory.create_batch(55)
    assert len(client.get("/api/v1/users", headers=headers).json()["items"]) == 50  # the default


def test_unknown_ordering_is_refused(client, headers):
    response = client.get("/api/v1/users", {"ordering": "password"}, headers=headers)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"ordering"}


def _make_rows(n: int, admin):
    for i in range(n):
        team = TeamFactory()
        member = UserFactory(team=team, role=role("manager"))
        team.managers.add(member, admin)
        APITokenFactory(user=member)
        audit.record(actor=admin, action="update", obj=member, changes={"n": [i, i + 1]})
    for i in range(n):
        Role.objects.create(key=f"custom_{n}_{i}", name=f"Custom {n} {i}")


def _queries(client, url, headers) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, {"limit": 200}, headers=headers)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize("url", ["/api/v1/users", "/api/v1/teams", "/api/v1/roles", "/api/v1/tokens", "/api/v1/audit"])
def test_list_queries_do_not_grow_with_the_rows(client, headers, admin, url):
    _make_rows(3, admin)
    _queries(client, url, headers)  # warm up: the token's last use is written once a minute
    few = _queries(client, url, headers)
    _make_rows(20, admin)
    many = _queries(client, url, headers)
    assert len(client.get(url, {"limit": 200}, headers=headers).json()["items"]) >= 20
    assert len(many) == len(few), many
    assert not any("COUNT(*)" in sql.upper() for sql in many), "a page must not count the table"
