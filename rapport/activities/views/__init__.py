"""Pages and fragments of the timeline, notes and tasks.

The contact and company cards load three fragments with htmx (``timeline``, ``notes_panel``, ``tasks_panel``,
each taking ``(object_type, pk)``). Every fragment first loads the record through the contacts app's scoped
queryset, so a record the user may not see answers 404, and is self-contained: its forms post with htmx and
the answer is the fragment again (with field errors and a 422 status when refused). The same URLs without
htmx render a plain page around the fragment, so everything also works without JavaScript.
"""

from ._common import record_url
from .notes import note_delete, note_edit, note_pin, notes_panel
from .tasks import my_tasks, task_complete, task_create, task_delete, task_edit, task_reopen, tasks_panel
from .timeline import interaction_log, timeline

__all__ = [
    "interaction_log",
    "my_tasks",
    "note_delete",
    "note_edit",
    "note_pin",
    "notes_panel",
    "record_url",
    "task_complete",
    "task_create",
    "task_delete",
    "task_edit",
    "task_reopen",
    "tasks_panel",
    "timeline",
]
