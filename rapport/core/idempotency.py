"""``Idempotency-Key`` on POST: a retried request gets the first answer again instead of doing the work twice.

A route opts in with one decorator, under the router's::

    @router.post("/contacts", response={201: ContactOut, **problems(401, 403, 409, 422)}, operation_id="contacts_create")
    @idempotent
    def contacts_create(request, payload: ContactIn): ...

- Same user, same key, same request (method, path, query and JSON body): the stored answer is replayed
  (status, body, ETag and Location), marked ``Idempotent-Replayed: true``; nothing runs again.
- Same key with another request: 422 ``idempotency_key_reused``.
- Keys are per user: another user's key never matches.
- The whole request runs in one transaction: the key is claimed (a row) before the route runs and completed with
  the answer after it, so the record and the data it created commit together or not at all. Refused requests
  (4xx/5xx) store nothing and roll everything back. A concurrent request with the same key waits for the first
  to finish, then gets its answer replayed (or goes ahead, if the first was refused).
- Keys are remembered for ``TTL``; after that a key starts afresh.
- ``@idempotent(secret=True)`` for answers holding a secret (a new API token): the answer is not stored, and a
  repeat answers 409 ``idempotent_replay_unavailable`` (the work is still not done twice).
"""

import contextlib
import hashlib
import json
import logging
from datetime import timedelta
from functools import wraps
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Header
from ninja.decorators import decorate_view
from ninja.utils import contribute_operation_args

from .api_errors import problem
from .errors import ApplicationError, Conflict
from .models import IdempotencyRecord

logger = logging.getLogger(__name__)

TTL = timedelta(hours=24)
HEADER = "Idempotency-Key"
REPLAYED_HEADERS = ("ETag", "Location")
_PENDING = "_rapport_idempotency"
_KEY_FIELD = "Idempotency-Key"
# What _clean_key accepts, for the OpenAPI document (RapportAPI.get_openapi_schema adds it to the header's schema;
# _clean_key checks it rather than pydantic, to answer with a clearer message).
KEY_SCHEMA = {"minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"}


def _clean_key(key: str) -> str:
    if not 1 <= len(key) <= 200 or not all("!" <= ch <= "~" for ch in key):
        raise ApplicationError(
            "invalid",
            "The Idempotency-Key is not valid.",
            {_KEY_FIELD: "Use 1 to 200 visible ASCII characters."},
            status=422,
        )
    return key


def request_hash(request: HttpRequest) -> str:
    """What makes two requests the same: method, path, query string and body (JSON compared by value)."""
    body = request.body
    with contextlib.suppress(ValueError):
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.META.get("QUERY_STRING", "").encode(), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status, content_type=record.content_type)
    for name, value in record.headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def _claim(request: HttpRequest, key: str, secret: bool) -> HttpResponse | None:
    """Claim this user's key for this request, or answer from the request that claimed it first.

    The claim is a row inserted in the request's transaction. A concurrent request with the same key waits on
    the unique index until the first one commits (then replays its answer) or rolls back (then goes ahead).
    """
    key = _clean_key(key)
    digest = request_hash(request)
    user_id = request.auth.pk
    IdempotencyRecord.objects.filter(user_id=user_id, key=key, created_at__lt=timezone.now() - TTL).delete()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                user_id=user_id,
                key=key,
                method=request.method,
                path=request.path[:500],
                request_hash=digest,
                status=0,
                body=b"",
                content_type="",
            )
    except IntegrityError:
        record = IdempotencyRecord.objects.filter(user_id=user_id, key=key).first()
        if record is None:  # claimed and given up meanwhile
            raise Conflict(
                "idempotency_in_progress", "Another request with this Idempotency-Key is in progress; retry."
            ) from None
    else:
        setattr(request, _PENDING, (record, secret))
        return None
    if record.request_hash != digest:
        raise ApplicationError(
            "idempotency_key_reused",
            "This Idempotency-Key was used for another request; use a new key for a new request.",
            {_KEY_FIELD: "Already used for another request."},
            status=422,
        )
    if secret:
        raise Conflict(
            "idempotent_replay_unavailable",
            "This request was already done; its answer held a secret shown only once, so it is not replayed.",
        )
    return _replay(record)


def _store(request: HttpRequest, response: HttpResponse) -> None:
    """Complete the claim with the answer, in the transaction of the work it answers for."""
    record, secret = getattr(request, _PENDING)
    record.status = response.status_code
    record.body = b"" if secret else response.content
    record.content_type = response.get("Content-Type", "application/json")[:100]
    record.headers = {name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)}
    record.save(update_fields=["status", "body", "content_type", "headers"])


def _transactional(run):
    """Wraps the whole operation (auth, route, rendering): one transaction, committed only on success."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any):
        try:
            with transaction.atomic():
                response = run(request, *args, **kwargs)
                if response.status_code >= 400:
                    transaction.set_rollback(True)  # refused: no claim, no data
                elif getattr(request, _PENDING, None) is not None:
                    _store(request, response)
        except DatabaseError:
            # Storing the answer or committing failed: everything was rolled back, the data and the claim alike.
            logger.exception("Idempotent request not committed: %s %s", request.method, request.path)
            return problem(500, "server_error", "Something went wrong on our side; nothing was changed. Retry.")
        return response

    return wrapper


def idempotent(view=None, *, secret: bool = False):
    """Honour ``Idempotency-Key`` on a POST route (see the module docstring)."""

    def decorator(view):
        @wraps(view)
        def inner(request: HttpRequest, *args: Any, idempotency_key: str | None = None, **kwargs: Any):
            if idempotency_key is not None:
                replay = _claim(request, idempotency_key, secret)
                if replay is not None:
                    return replay
            return view(request, *args, **kwargs)

        contribute_operation_args(
            inner,
            "idempotency_key",
            str | None,
            Header(
                None,
                alias=HEADER,
                description="A unique key per intended request (e.g. a UUID). Retrying with the same key and body "
                "replays the first answer instead of doing the work again.",
            ),
        )
        return decorate_view(_transactional)(inner)

    return decorator(view) if view is not None else decorator
