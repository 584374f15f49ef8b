"""Fixtures of the activities UI tests: two teams, their people, and a contact each."""

import pytest

from tests.factories import TeamFactory, UserFactory, make_company, make_contact, role


@pytest.fixture
def red():
    return TeamFactory(name="Red")


@pytest.fixture
def blue():
    return TeamFactory(name="Blue")


@pytest.fixture
def admin(red):
    return UserFactory(role=role("admin"), team=red, time_zone="Europe/Paris")


@pytest.fixture
def rep(red):
    """A sales rep of the red team: reads the team's records, writes their own."""
    return UserFactory(role=role("sales_rep"), team=red, username="rep")


@pytest.fixture
def teammate(red):
    return UserFactory(role=role("sales_rep"), team=red, username="teammate")


@pytest.fixture
def outsider(blue):
    """A sales rep of another team: cannot see the red team's records."""
    return UserFactory(role=role("sales_rep"), team=blue, username="outsider")


@pytest.fixture
def manager(red):
    user = UserFactory(role=role("manager"), team=red, username="boss")
    red.managers.add(user)
    return user


@pytest.fixture
def acme(rep):
    return make_company(rep, name="Acme")


@pytest.fixture
def ada(rep, acme):
    return make_contact(
        rep,
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.com",
        companies=[{"company": acme.pk, "is_primary": True}],
    )


@pytest.fixture
def htmx():
    """Headers of a request htmx makes."""
    return {"HTTP_HX_REQUEST": "true"}
