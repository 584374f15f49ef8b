"""RFC 9457 problem JSON for every error the API returns."""

from django.http import Http404, HttpRequest, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from .errors import ApplicationError

PROBLEM_CONTENT_TYPE = "application/problem+json"

_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    422: "Invalid input",
    429: "Too many requests",
    500: "Server error",
}


def problem(status: int, code: str, detail: str, errors: dict[str, list[str]] | None = None, **extra) -> JsonResponse:
    body = {
        "type": f"https://rapport.invalid/problems/{code}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
        "errors": errors or {},
        **extra,
    }
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def _field_name(loc) -> str:
    # ninja locations look like ("body", "payload", "email"); the client knows only "email".
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    if len(parts) > 1 and parts[0] in ("payload", "data", "filters"):
        parts = parts[1:]
    return ".".join(parts) or "__all__"


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ApplicationError)
    def _application_error(request: HttpRequest, exc: ApplicationError):
        return problem(exc.status, exc.code, exc.message, exc.fields)

    @api.exception_handler(ValidationError)
    def _validation_error(request: HttpRequest, exc: ValidationError):
        errors: dict[str, list[str]] = {}
        for err in exc.errors:
            errors.setdefault(_field_name(err.get("loc", ())), []).append(err.get("msg", "Invalid value."))
        return problem(422, "invalid", "Some fields are invalid.", errors)

    @api.exception_handler(AuthenticationError)
    def _auth_error(request: HttpRequest, exc: AuthenticationError):
        response = problem(401, "not_authenticated", "Send a valid API token or sign in.")
        response["WWW-Authenticate"] = 'Bearer realm="rapport"'
        return response

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404):
        return problem(404, "not_found", "Not found.")

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError):
        return problem(exc.status_code, "http_error", str(exc.message))
