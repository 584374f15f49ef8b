"""Factories for the users app (later apps add theirs beside these)."""

from functools import cache

import factory
from django.contrib.auth.hashers import make_password

from rapport.users.models import Role, Team, User

PASSWORD = "correct horse battery staple"


@cache
def hashed_password() -> str:
    """Argon2 is slow by design: hash the shared test password once per run."""
    return make_password(PASSWORD)


def role(key: str) -> Role:
    return Role.objects.get(key=key)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = factory.LazyFunction(lambda: role("sales_rep"))
    password = factory.LazyFunction(hashed_password)


def api_token(user: User, name: str = "test token") -> str:
    """A new API token of ``user``; returns the raw value for ``Authorization: Bearer``."""
    from rapport.users.models import APIToken, hash_token

    raw = APIToken.generate()
    APIToken.objects.create(user=user, name=name, prefix=raw[:12], key_hash=hash_token(raw))
    return raw


class APITokenFactory(factory.django.DjangoModelFactory):
    """A token whose raw value nobody knows (for listing and revoking); use ``api_token()`` to authenticate."""

    class Meta:
        model = "users.APIToken"

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Token {n}")
    prefix = "rap_unknown"
    key_hash = factory.Sequence(lambda n: f"{n:064x}")


# --- contacts and activities --------------------------------------------------------------------------


def make_contact(actor: User, **data):
    """A contact created through the service (so it is cleaned, indexed and audited like a real one)."""
    from rapport.contacts.services import contact_create

    data.setdefault("first_name", "Ada")
    data.setdefault("last_name", "Lovelace")
    return contact_create(actor=actor, data=data)


def make_company(actor: User, **data):
    from rapport.contacts.services import company_create

    data.setdefault("name", "Acme")
    return company_create(actor=actor, data=data)
