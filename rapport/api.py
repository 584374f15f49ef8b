"""The REST API: one NinjaAPI at /api/v1/, each app adding its router. Conventions: docs/api.md."""

import copy
import json

from django.shortcuts import render
from django.views.decorators.http import require_safe
from ninja import NinjaAPI
from ninja.errors import ValidationError
from ninja.openapi.docs import Swagger
from ninja.parser import Parser

from rapport.core import etag, idempotency
from rapport.core.api_errors import PROBLEM_CONTENT_TYPE
from rapport.core.api_errors import install as install_error_handlers
from rapport.users.auth import api_auth


class LocalSwagger(Swagger):
    """Swagger UI from django-ninja's bundled static files (``ninja`` in INSTALLED_APPS), never from a CDN.

    ninja falls back to a CDN page when ``ninja`` is not an installed app; this class fails loudly instead.
    """

    def render_page(self, request, api, **kwargs):
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": json.dumps(self.settings, indent=1),
            "api": api,
            # Session auth checks CSRF: the page hands Swagger UI the token for "Try it out".
            "add_csrf": any(getattr(auth, "csrf", False) for auth in api.auth),
        }
        return render(request, self.template, context)


NUL_MESSAGE = "Null characters are not allowed."


def _nul_errors(value, loc: tuple) -> list[dict]:
    """Where ``value`` (parsed JSON or query values) holds text with NUL characters, which PostgreSQL cannot store."""
    if isinstance(value, str):
        return [{"loc": loc, "msg": NUL_MESSAGE}] if "\x00" in value else []
    if isinstance(value, dict):
        errors = []
        for key, item in value.items():
            if "\x00" in str(key):
                errors.append({"loc": loc, "msg": NUL_MESSAGE})  # reported where the key is, not by its name
            else:
                errors += _nul_errors(item, (*loc, key))
        return errors
    if isinstance(value, list):
        return [error for index, item in enumerate(value) for error in _nul_errors(item, (*loc, index))]
    return []


class RapportParser(Parser):
    """ninja's JSON and query parsing, refusing text with NUL characters: 422 ``invalid`` naming the field."""

    def parse_body(self, request):
        data = super().parse_body(request)
        if errors := _nul_errors(data, ("body",)):
            raise ValidationError(errors)  # ninja wraps it in its 400; api_errors answers 422 for it
        return data

    def parse_querydict(self, data, list_fields, request):
        result = super().parse_querydict(data, list_fields, request)
        if errors := _nul_errors(result, ("query",)):
            raise ValidationError(errors)
        return result


class RapportAPI(NinjaAPI):
    def create_response(self, request, data, *, status=None, temporal_response=None):
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        # A GET whose If-None-Match names the record's current ETag: 304, no body.
        return etag.not_modified(request, response) or response

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        problem_ref = {"$ref": "#/components/schemas/Problem"}
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                responses = operation["responses"]
                # Errors are RFC 9457 problem documents; say so instead of ninja's plain application/json.
                for status, answer in responses.items():
                    if int(status) >= 400 and "content" in answer:
                        answer["content"] = {PROBLEM_CONTENT_TYPE: next(iter(answer["content"].values()))}
                # ninja refuses a body it cannot parse before the route runs.
                if "requestBody" in operation:
                    responses.setdefault(
                        400, {"description": "Bad request", "content": {PROBLEM_CONTENT_TYPE: {"schema": problem_ref}}}
                    )
                for parameter in operation.get("parameters", []):
                    if parameter["in"] == "header" and parameter["name"] == idempotency.HEADER:
                        # Optional, but never null: a string, in the form the route accepts.
                        parameter["schema"] = {"type": "string", **idempotency.KEY_SCHEMA}
                # GETs answering with an ETag honour If-None-Match (create_response).
                if method == "get" and "ETag" in responses.get(200, {}).get("headers", {}):
                    operation.setdefault("parameters", []).append(copy.deepcopy(etag.IF_NONE_MATCH_PARAMETER))
                    responses[304] = copy.deepcopy(etag.NOT_MODIFIED_RESPONSE)
        return schema


api = RapportAPI(
    title="Rapport API",
    version="1",
    description=(
        "The REST API of Rapport CRM. Authenticate with `Authorization: Bearer <token>` or the browser session "
        "(with the CSRF token on unsafe methods). Errors are RFC 9457 problem JSON; lists use cursor pagination "
        "(`?limit=&cursor=`); POST honours `Idempotency-Key`; reads carry an `ETag` and PATCH/DELETE honour "
        "`If-Match`. See docs/api.md."
    ),
    auth=api_auth,
    parser=RapportParser(),
    urls_namespace="api",
    docs=LocalSwagger(settings={"validatorUrl": None, "persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
    # Other methods answer 405 (as problem JSON, by rapport.core.api_middleware).
    docs_decorator=require_safe,
)
install_error_handlers(api)

from rapport.activities.api import router as activities_router  # noqa: E402
from rapport.contacts.api import router as contacts_router  # noqa: E402
from rapport.core.api import router as core_router  # noqa: E402
from rapport.users.api import router as users_router  # noqa: E402

api.add_router("/", users_router)
api.add_router("/", core_router)
api.add_router("/", contacts_router)
api.add_router("/", activities_router)
