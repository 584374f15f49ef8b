"""The signed-in user's time zone is active for their request only, streamed content included."""

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.utils import timezone

from rapport.users.middleware import UserTimezoneMiddleware
from tests.factories import UserFactory, role

pytestmark = pytest.mark.django_db


def zone_name() -> str:
    return timezone.get_current_timezone_name()


@pytest.fixture
def parisian():
    return UserFactory(role=role("admin"), time_zone="Europe/Paris")


def request_of(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_the_zone_is_the_users_while_the_page_is_made_and_not_after(parisian):
    seen = []

    def view(request):
        seen.append(zone_name())
        return HttpResponse("ok")

    UserTimezoneMiddleware(view)(request_of(parisian))
    assert seen == ["Europe/Paris"]
    assert zone_name() == settings.TIME_ZONE


def test_a_streamed_response_is_made_in_the_users_zone(parisian):
    def view(request):
        return StreamingHttpResponse(zone_name() for _ in range(2))

    response = UserTimezoneMiddleware(view)(request_of(parisian))
    assert zone_name() == settings.TIME_ZONE
    assert b"".join(response.streaming_content) == b"Europe/ParisEurope/Paris"
    assert zone_name() == settings.TIME_ZONE


def test_an_anonymous_request_after_a_signed_in_one_sees_the_default_zone(parisian):
    seen = []

    def view(request):
        seen.append(zone_name())
        return HttpResponse("ok")

    middleware = UserTimezoneMiddleware(view)
    middleware(request_of(parisian))
    middleware(request_of(AnonymousUser()))
    assert seen == ["Europe/Paris", settings.TIME_ZONE]


def test_pages_leave_the_thread_in_the_default_zone(client, parisian):
    client.force_login(parisian)
    assert client.get("/tasks/").status_code == 200
    assert zone_name() == settings.TIME_ZONE
