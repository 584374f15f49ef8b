import zoneinfo

from django.http import FileResponse
from django.utils import timezone


class UserTimezoneMiddleware:
    """Shows times in the signed-in user's time zone (storage stays UTC), for this request only: the zone is
    active while the response is made (and, for a streamed response, while its content is produced), then the
    thread is back to the default zone, so the next request, task or test it runs does not inherit it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        name = getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
        zone = zoneinfo.ZoneInfo(name) if name else None
        with timezone.override(zone):
            response = self.get_response(request)
        if zone is not None and response.streaming and not isinstance(response, FileResponse):
            # A file's bytes do not depend on the zone; rewrapping them would lose the server's sendfile.
            response.streaming_content = (
                _streamed_async(zone, response.streaming_content)
                if response.is_async
                else _streamed(zone, response.streaming_content)
            )
        return response


def _streamed(zone, content):
    with timezone.override(zone):
        yield from content


async def _streamed_async(zone, content):
    with timezone.override(zone):
        async for chunk in content:
            yield chunk
