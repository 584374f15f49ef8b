"""Pages and fragments of the timeline, notes and tasks (being built)."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404()


timeline = notes_panel = tasks_panel = interaction_log = my_tasks = _todo
