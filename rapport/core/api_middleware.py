"""Problem JSON for the API's answers that no route gives: an unknown path, a wrong method, an error outside a route.

ninja's exception handlers (api_errors.install) shape every error a route raises. Some answers under /api/v1/ are
made before or around the routes, by Django or ninja: 404 for a path no route matches, 405 for a method a path
does not take, 400 for a bad Host, 500 for an error in a middleware. This middleware rewrites those, and only
those under the API prefix, into RFC 9457 problem documents, keeping the status and every header (``Allow``...).
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .api_errors import PROBLEM_CONTENT_TYPE, problem

API_PREFIX = "/api/v1/"

_CODES = {
    400: "bad_request",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    500: "server_error",
}
_DETAILS = {
    400: "The request could not be understood.",
    403: "You do not have permission to do this.",
    404: "There is no such path in the API; see /api/v1/docs.",
    413: "The request is too large.",
    500: "Something went wrong on our side; the error was logged.",
}


def _detail(request: HttpRequest, response: HttpResponse) -> str:
    if response.status_code == 405:
        allowed = response.get("Allow", "")
        return f"{request.method} is not allowed here; allowed: {allowed}." if allowed else "Method not allowed."
    return _DETAILS.get(response.status_code, "The request failed.")


class ProblemResponseMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path_info.startswith(API_PREFIX)
            or getattr(response, "streaming", False)
            or response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE)
            # With DEBUG a developer wants Django's technical 500 page, as ninja's handler re-raises then too.
            or (settings.DEBUG and response.status_code >= 500)
        ):
            return response
        status = response.status_code
        body = problem(status, _CODES.get(status, "http_error"), _detail(request, response))
        # Rewritten in place: the headers other middleware set (Allow, Vary, security headers) stay.
        response.content = body.content
        response["Content-Type"] = body["Content-Type"]
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response
