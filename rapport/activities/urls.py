"""Pages and fragments of the timeline, notes and tasks. The contact and company cards load the panels by
these names: ``timeline``, ``notes_panel``, ``tasks_panel`` and ``interaction_log`` take
``(object_type, pk)`` with object_type ``contact`` or ``company``."""

from django.urls import path

from . import views

urlpatterns = [
    path("activities/<str:object_type>/<int:pk>/timeline/", views.timeline, name="timeline"),
    path("activities/<str:object_type>/<int:pk>/notes/", views.notes_panel, name="notes_panel"),
    path("activities/<str:object_type>/<int:pk>/tasks/", views.tasks_panel, name="tasks_panel"),
    path("activities/<str:object_type>/<int:pk>/log/", views.interaction_log, name="interaction_log"),
    path("tasks/", views.my_tasks, name="my_tasks"),
]
