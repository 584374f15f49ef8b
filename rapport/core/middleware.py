from . import context
from .net import client_ip


class RequestContextMiddleware:
    """Remembers the client address and agent of the request for the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = context.set_current(
            context.RequestContext(ip=client_ip(request), user_agent=request.headers.get("User-Agent", "")[:300])
        )
        try:
            return self.get_response(request)
        finally:
            context.reset(token)
