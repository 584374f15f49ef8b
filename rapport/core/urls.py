from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("settings/audit/", views.audit_list, name="audit_list"),
    path("styleguide/", views.styleguide, name="styleguide"),
]
