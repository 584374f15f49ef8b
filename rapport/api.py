"""The REST API: one NinjaAPI at /api/v1/, each app adding its router. Conventions: docs/api.md."""

import json

from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

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


class RapportAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        # Errors are RFC 9457 problem documents; say so instead of ninja's plain application/json.
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, answer in operation["responses"].items():
                    if int(status) >= 400 and "content" in answer:
                        answer["content"] = {PROBLEM_CONTENT_TYPE: next(iter(answer["content"].values()))}
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
    urls_namespace="api",
    docs=LocalSwagger(settings={"validatorUrl": None, "persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)

from rapport.core.api import router as core_router  # noqa: E402
from rapport.users.api import router as users_router  # noqa: E402

api.add_router("/", users_router)
api.add_router("/", core_router)
