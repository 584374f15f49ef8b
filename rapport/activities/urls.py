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
    path("notes/<int:pk>/edit/", views.note_edit, name="note_edit"),
    path("notes/<int:pk>/pin/", views.note_pin, name="note_pin"),
    path("notes/<int:pk>/delete/", views.note_delete, name="note_delete"),
    path("tasks/", views.my_tasks, name="my_tasks"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("tasks/<int:pk>/reopen/", views.task_reopen, name="task_reopen"),
    path("tasks/<int:pk>/delete/", views.task_delete, name="task_delete"),
]
