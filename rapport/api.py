"""The REST API: one NinjaAPI at /api/v1/, each app adding its router."""

from ninja import NinjaAPI

from rapport.core.api_errors import install as install_error_handlers
from rapport.users.auth import api_auth

api = NinjaAPI(
    title="Rapport API",
    version="1",
    description="The REST API of Rapport CRM. Authenticate with `Authorization: Bearer <token>`.",
    auth=api_auth,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)

from rapport.core.api import router as core_router  # noqa: E402
from rapport.users.api import router as users_router  # noqa: E402

api.add_router("/", users_router)
api.add_router("/", core_router)
