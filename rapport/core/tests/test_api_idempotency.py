"""Idempotency-Key on POST: replay, refusal of another request under the same key, per user, all-or-nothing."""

import json
import threading
import time

import pytest
from django.db import DatabaseError, connection
from django.test import Client

from rapport.core import idempotency
from rapport.core.models import AuditEntry, IdempotencyRecord
from rapport.users import selectors, services
from rapport.users.models import APIToken, Team
from tests.factories import UserFactory, api_token, role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(role=role("admin"))


def post(client, user, body, key: str | None = "key-1", url="/api/v1/teams", raw: str | None = None):
    headers = {"Authorization": f"Bearer {api_token(user)}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    data = raw if raw is not None else json.dumps(body)
    return client.post(url, data, content_type="application/json", headers=headers)


def test_same_key_and_body_replays_the_first_answer(client, admin):
    first = post(client, admin, {"name": "Red", "description": "x"})
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    # The same JSON, differently written, is the same request.
    again = post(client, admin, None, raw='{ "description": "x",  "name": "Red" }')
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"] and again["Location"] == first["Location"]
    assert Team.objects.filter(name="Red").count() == 1
    assert AuditEntry.objects.filter(object_type="team", action="create").count() == 1


def test_same_key_with_another_body_is_refused(client, admin):
    post(client, admin, {"name": "Red"})
    response = post(client, admin, {"name": "Blue"})
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert set(response.json()["errors"]) == {"Idempotency-Key"}
    assert list(Team.objects.values_list("name", flat=True)) == ["Red"]


def test_same_key_on_another_route_is_refused(client, admin):
    post(client, admin, {"name": "Red"})
    response = post(client, admin, {"name": "Red"}, url="/api/v1/roles")
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_reused"


def test_keys_are_per_user(client, admin):
    other_admin = UserFactory(role=role("admin"))
    assert post(client, admin, {"name": "Red"}).status_code == 201
    response = post(client, other_admin, {"name": "Blue"})
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert set(Team.objects.values_list("name", flat=True)) == {"Red", "Blue"}
    assert IdempotencyRecord.objects.count() == 2


def test_without_a_key_every_request_counts(client, admin):
    assert post(client, admin, {"name": "Red"}, key=None).status_code == 201
    assert post(client, admin, {"name": "Red"}, key=None).status_code == 409
    assert not IdempotencyRecord.objects.exists()


def test_a_refused_request_stores_nothing_and_may_be_retried(client, admin):
    Team.objects.create(name="Red")
    assert post(client, admin, {"name": "Red"}).status_code == 409
    assert not IdempotencyRecord.objects.exists()
    Team.objects.filter(name="Red").delete()
    response = post(client, admin, {"name": "Red"})
    assert response.status_code == 201 and "Idempotent-Replayed" not in response


def test_the_record_and_the_created_data_commit_together(client, admin, monkeypatch):
    # The answer cannot be stored: the created team (and its audit entry) go too, and the key stays free.
    def fail(self, *args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(IdempotencyRecord, "save", fail)
    response = post(client, admin, {"name": "Red"})
    assert response.status_code == 500 and response["Content-Type"] == "application/problem+json"
    assert not Team.objects.exists()
    assert not AuditEntry.objects.filter(object_type="team").exists()
    assert not IdempotencyRecord.objects.exists()
    monkeypatch.undo()
    assert post(client, admin, {"name": "Red"}).status_code == 201


def test_a_failure_after_the_write_rolls_back_the_write(client, admin, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("rendering failed")

    monkeypatch.setattr(selectors, "team_get", broken)
    response = post(client, admin, {"name": "Red"})
    assert response.status_code == 500
    assert not Team.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_an_expired_key_starts_afresh(client, admin):
    post(client, admin, {"name": "Red"})
    IdempotencyRecord.objects.update(created_at=IdempotencyRecord.objects.get().created_at - idempotency.TTL)
    Team.objects.all().delete()
    response = post(client, admin, {"name": "Red"})
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 201, "with space", "ünïcode"])
def test_a_malformed_key_is_refused(client, admin, key):
    response = post(client, admin, {"name": "Red"}, key=key.encode().decode("latin-1"))
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"Idempotency-Key"}
    assert not Team.objects.exists()


def test_a_secret_answer_is_never_stored_nor_replayed(client, admin):
    first = post(client, admin, {"name": "ci"}, url="/api/v1/tokens")
    assert first.status_code == 201
    raw = first.json()["token"]
    record = IdempotencyRecord.objects.get()
    assert raw.encode() not in bytes(record.body)
    again = post(client, admin, {"name": "ci"}, url="/api/v1/tokens")
    assert again.status_code == 409 and again.json()["code"] == "idempotent_replay_unavailable"
    assert raw not in again.content.decode()
    assert APIToken.objects.filter(name="ci").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_do_the_work_once(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time; the race needs PostgreSQL")
    admin = UserFactory(role=role("admin"))
    raw = api_token(admin)
    original = services.team_create

    def slow_create(**kwargs):
        team = original(**kwargs)
        time.sleep(0.5)  # keep the first transaction open while the second request arrives
        return team

    monkeypatch.setattr(services, "team_create", slow_create)
    answers = []

    def send():
        try:
            answers.append(
                Client().post(
                    "/api/v1/teams",
                    {"name": "Red"},
                    content_type="application/json",
                    headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": "same"},
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
        time.sleep(0.1)
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert sum(a.has_header("Idempotent-Replayed") for a in answers) == 1
    assert Team.objects.filter(name="Red").count() == 1
