"""RFC 9457 problem JSON for every error the API returns, and its schema for the OpenAPI document."""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from .errors import ApplicationError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"

_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    422: "Invalid input",
    429: "Too many requests",
    500: "Server error",
}


# Codes for ninja's own HttpErrors (e.g. 400 "Cannot parse request body").
_HTTP_ERROR_CODES = {400: "bad_request", 405: "method_not_allowed", 429: "throttled"}


class Problem(Schema):
    """An error (RFC 9457). ``code`` is stable and machine-readable; ``errors`` maps field names to messages."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: dict[str, list[str]]


def problems(*statuses: int) -> dict[int, type[Problem]]:
    """The error part of a route's ``response=``: ``{200: Out, **problems(401, 404)}``."""
    unknown = set(statuses) - set(_TITLES)
    if unknown:
        raise ValueError(f"No problem title for status {sorted(unknown)}")
    return dict.fromkeys(statuses, Problem)


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
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "form"):
        parts = parts[1:]  # where the value was, not a field (a field may well be called "body")
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

    @api.exception_handler(RequestDataTooBig)
    def _too_big(request: HttpRequest, exc: RequestDataTooBig):
        return problem(413, "too_large", "The request body is too large; send fewer records per call.")

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404):
        return problem(404, "not_found", "Not found.")

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError):
        if isinstance(exc.__cause__, ValidationError):
            # The parser refused the body's content (rapport.api.RapportParser); ninja made it a 400.
            return _validation_error(request, exc.__cause__)
        if exc.status_code == 403 and "csrf" in str(exc.message).lower():
            # ninja's session auth refuses an unsafe request without the CSRF token this way.
            return problem(403, "csrf_failed", "Send the CSRF token (X-CSRFToken header) with a session request.")
        code = _HTTP_ERROR_CODES.get(exc.status_code, "http_error")
        return problem(exc.status_code, code, str(exc.message))

    @api.exception_handler(Exception)
    def _server_error(request: HttpRequest, exc: Exception):
        if settings.DEBUG:
            raise exc
        # Logged with its traceback for the operator; the client learns nothing about the internals.
        logger.exception("Unhandled error in %s %s", request.method, request.path)
        return problem(500, "server_error", "Something went wrong on our side; the error was logged.")
