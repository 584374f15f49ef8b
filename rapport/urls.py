from django.http import HttpResponse
from django.urls import include, path

from rapport.api import api


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("", include("rapport.users.urls")),
    path("", include("rapport.contacts.urls")),
    path("", include("rapport.activities.urls")),
    path("", include("rapport.core.urls")),
]
