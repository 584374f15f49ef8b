"""Tasks: a record's panel (quick add, complete, edit), a task's own pages, My tasks and the team's tasks."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from rapport.contacts import selectors as contact_selectors
from rapport.core.errors import ApplicationError, PermissionDenied
from rapport.core.forms import apply_application_error, raise_for_http
from rapport.core.listing import paginate
from rapport.core.ui import confirm, get_or_404, posted, require, safe_next, writable_ids
from rapport.users import access
from rapport.users import selectors as user_selectors
from rapport.users.enums import Operation, Scope

from .. import selectors, services
from ..enums import OPEN_STATUSES, TaskStatus
from ..forms import TaskForm, TeamTaskFilterForm
from ._common import fragment, get_record, record_context, record_of, record_url, with_toast

TASKS_PANEL_LIMIT = 50
TEAM_TASKS_PAGE = 50


def _tasks_context(request, object_type, record, *, form=None, form_open=False):
    actor = request.user
    queryset = selectors.tasks_for(actor=actor, **{object_type: record})
    queryset = queryset.order_by(F("due_at").asc(nulls_last=True), "id")
    tasks = list(queryset.select_related("assignee")[: TASKS_PANEL_LIMIT + 1])
    more = len(tasks) > TASKS_PANEL_LIMIT
    tasks = decorate_tasks(tasks[:TASKS_PANEL_LIMIT], actor=actor)
    can_add = access.scope_of(actor, "task", Operation.WRITE) != Scope.NONE
    return {
        **record_context(object_type, record),
        "tasks": tasks,
        "more": more,
        "writable": writable_ids(selectors.task_queryset(actor=actor), actor=actor, object_type="task", rows=tasks),
        "can_add": can_add,
        "task_form": form or (TaskForm(actor=actor, full=False, prefix=f"task-{object_type}-{record.pk}") if can_add
                              else None),
        "form_open": form_open,
        "now": timezone.now(),
        "where": "panel",
        "back_url": reverse("tasks_panel", args=[object_type, record.pk]),
    }  # fmt: skip


def _render_tasks(request, context, status=200, *, toast=None):
    """The tasks panel: in place for htmx (with a toast), else the tasks page (after a change, by redirect)."""
    if request.htmx:
        response = render(request, "activities/_tasks.html", context, status=status)
        response = fragment(response, f"tasks-{context['prefix']}")
        return with_toast(response, toast) if toast else response
    if toast and status < 400:
        messages.success(request, toast)
        return redirect(reverse("tasks_panel", args=[context["object_type"], context["record"].pk]))
    return render(request, "activities/tasks_page.html", context, status=status)


@login_required
def tasks_panel(request, object_type, pk):
    """The open tasks of a record; POST is the quick add."""
    actor = request.user
    record = get_record(actor, object_type, pk)
    if request.method == "POST":
        require(access.scope_of(actor, "task", Operation.WRITE) != Scope.NONE)
        form = TaskForm(request.POST, actor=actor, full=False, prefix=f"task-{object_type}-{record.pk}")
        status = 422
        if form.is_valid():
            try:
                services.task_create(actor=actor, data={**form.service_data(), object_type: record.pk})
            except ApplicationError as exc:
                _task_error(form, exc)
                status = exc.status
            else:
                return _render_tasks(request, _tasks_context(request, object_type, record), toast="Task added.")
        context = _tasks_context(request, object_type, record, form=form, form_open=True)
        return _render_tasks(request, context, status)
    return _render_tasks(request, _tasks_context(request, object_type, record))


def _task_error(form, exc: ApplicationError) -> None:
    """A refused task write: the record or the task were checked beforehand, so a refusal is about who the task
    was given to (a sales rep may give tasks only to themselves)."""
    if isinstance(exc, PermissionDenied):
        form.add_error("assignee", "You may not give a task to this person.")
        return
    apply_application_error(form, exc, field_map={"contact": "__all__", "company": "__all__", "team": "assignee"})


def _task(request, pk):
    return decorate_tasks([get_or_404(selectors.task_get, actor=request.user, pk=pk)], actor=request.user)[0]


def decorate_tasks(tasks, *, actor, now=None):
    """What a task row shows beyond the task: whether it is overdue and, if the actor may see it, its record."""
    now = now or timezone.now()
    visible = {
        "contact": contact_selectors.visible_ids(actor=actor, object_type="contact", ids={t.contact_id for t in tasks}),
        "company": contact_selectors.visible_ids(actor=actor, object_type="company", ids={t.company_id for t in tasks}),
    }
    for task in tasks:
        task.is_overdue = bool(task.due_at and task.due_at < now and task.status in OPEN_STATUSES)
        record = record_of(task)
        shown = record is not None and record[1] in visible[record[0]]
        task.record_link = record_url(*record) if shown else ""
        task.record_label = str(task.contact if record[0] == "contact" else task.company) if shown else ""
    return tasks


def _where(request) -> str:
    """Where a task change was made: a record's panel, or a task list."""
    return "panel" if (request.POST.get("where") or request.GET.get("where")) == "panel" else "list"


def _back(request) -> str:
    """Where to go after a change without htmx: the page the user came from (``next``, on this site), else My tasks."""
    return safe_next(request, reverse("my_tasks"))


def _next_of(request) -> str:
    """The ``next`` page a GET was given, if it is on this site (it becomes a link and a hidden field)."""
    url = request.GET.get("next") or ""
    return url if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}) else ""


def _task_row(request, task, *, where: str, toast: str | None = None, status=200):
    context = {"task": task, "where": where, "now": timezone.now(), "writable": {task.pk}, "back_url": _back(request)}
    response = render(request, "activities/_task_row.html", context, status=status)
    return with_toast(response, toast) if toast else response


def _after_task_change(request, task, *, toast: str):
    """The answer to a change made from a record's panel (the panel again), from the task lists (the row) or
    without htmx (back where the user came from)."""
    where = _where(request)
    if request.htmx and where == "panel" and (record := record_of(task)):
        object_type, record_pk = record
        context = _tasks_context(request, object_type, get_record(request.user, object_type, record_pk))
        return _render_tasks(request, context, toast=toast)
    if request.htmx:
        response = _task_row(request, task, where=where, toast=toast)
        return fragment(response, f"task-{task.pk}")
    messages.success(request, toast)
    return redirect(_back(request))


def _set_status(request, pk, status: str, toast: str):
    actor = request.user
    task = _task(request, pk)
    try:
        task = services.task_update(actor=actor, task=task, data={"status": status})
    except ApplicationError as exc:
        raise_for_http(exc)
        return with_toast(HttpResponse(status=204), exc.message, "error") if request.htmx else redirect(_back(request))
    return _after_task_change(request, _task(request, task.pk), toast=toast)


@login_required
@require_POST
def task_complete(request, pk):
    return _set_status(request, pk, TaskStatus.DONE, "Task completed.")


@login_required
@require_POST
def task_reopen(request, pk):
    return _set_status(request, pk, TaskStatus.OPEN, "Task reopened.")


@login_required
def task_edit(request, pk):
    actor = request.user
    task = _task(request, pk)
    require(access.can(actor, task, Operation.WRITE))
    where = _where(request)
    form = TaskForm(posted(request), actor=actor, task=task, prefix=f"task-edit-{task.pk}")
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                task = services.task_update(actor=actor, task=task, data=form.service_data())
            except ApplicationError as exc:
                _task_error(form, exc)
                status = exc.status
            else:
                return _after_task_change(request, _task(request, task.pk), toast="Task saved.")
    next_url = _back(request) if request.method == "POST" else _next_of(request)
    context = {"task": task, "form": form, "where": where, "next": next_url}
    if request.htmx:
        return render(request, "activities/_task_edit.html", context, status=status)
    return render(request, "activities/task_form.html", context, status=status)


@login_required
def task_delete(request, pk):
    actor = request.user
    task = _task(request, pk)
    require(access.can(actor, task, Operation.WRITE))
    if request.method != "POST":
        return confirm(
            request,
            title=f"Delete the task “{task.title}”?",
            message="This cannot be undone. To keep it on record, complete or cancel it instead.",
            action_label="Delete task",
            cancel_url=reverse("task_edit", args=[task.pk]),
        )
    record = record_of(task)
    try:
        services.task_delete(actor=actor, task=task)
    except ApplicationError as exc:
        raise_for_http(exc)
        return with_toast(HttpResponse(status=204), exc.message, "error") if request.htmx else redirect(_back(request))
    if request.htmx and _where(request) == "panel" and record:
        context = _tasks_context(request, record[0], get_record(actor, *record))
        return _render_tasks(request, context, toast="Task deleted.")
    messages.success(request, "Task deleted.")
    if request.htmx:
        return HttpResponseClientRedirect(_back(request))
    return redirect(_back(request))


@login_required
def task_create(request):
    """A task on its own (not on a record's card), from the My tasks page."""
    actor = request.user
    require(access.scope_of(actor, "task", Operation.WRITE) != Scope.NONE)
    form = TaskForm(posted(request), actor=actor)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.task_create(actor=actor, data=form.service_data())
            except ApplicationError as exc:
                _task_error(form, exc)
                status = exc.status
            else:
                messages.success(request, "Task added.")
                return redirect("my_tasks")
    return render(request, "activities/task_form.html", {"form": form, "task": None, "where": "list"}, status=status)


def _sees_team_tasks(actor) -> bool:
    """Managers (of a team, with the team's tasks in their read scope) and those who see every task."""
    scope = access.scope_of(actor, "task", Operation.READ)
    return scope == Scope.ALL or (scope == Scope.TEAM and bool(actor.team_id) and actor.managed_teams.exists())


@login_required
def my_tasks(request):
    """The actor's open tasks (overdue, today, upcoming, no date); managers also get their team's tasks."""
    actor = request.user
    view = "team" if request.GET.get("view") == "team" else "mine"
    team_view = _sees_team_tasks(actor)
    context = {
        "view": view,
        "team_view": team_view,
        "now": timezone.now(),
        "where": "list",
        "back_url": request.get_full_path(),
        "can_add": access.scope_of(actor, "task", Operation.WRITE) != Scope.NONE,
    }
    if view == "team":
        require(team_view)
        users = user_selectors.visible_users(actor).filter(is_active=True)
        if access.scope_of(actor, "task", Operation.READ) != Scope.ALL:
            users = users.filter(team_id=actor.team_id)
        form = TeamTaskFilterForm(request.GET or None, users=users.order_by("first_name", "last_name", "username"))
        data = form.cleaned_data if form.is_valid() else {}
        filters = {"status": "open"}
        if data.get("assignee"):
            filters["assignee"] = data["assignee"].pk
        if data.get("overdue"):
            filters["due_before"] = context["now"]
        tasks = selectors.task_list(actor=actor, **filters).order_by(F("due_at").asc(nulls_last=True), "id")
        page = paginate(request, tasks, per_page=TEAM_TASKS_PAGE)
        rows = decorate_tasks(list(page), actor=actor, now=context["now"])
        context.update(form=form, page=page, rows=rows, writable=writable_ids(
            selectors.task_queryset(actor=actor), actor=actor, object_type="task", rows=rows))  # fmt: skip
    else:
        groups = selectors.my_tasks(actor=actor, now=context["now"])
        every = decorate_tasks([t for group in groups.values() for t in group], actor=actor, now=context["now"])
        context.update(
            groups=[
                ("overdue", "Overdue", groups["overdue"]),
                ("today", "Due today", groups["today"]),
                ("upcoming", "Upcoming", groups["upcoming"]),
                ("someday", "No due date", groups["someday"]),
            ],
            total=len(every),
            writable={t.pk for t in every},  # one's own tasks: the assignee owns them
        )
        if access.scope_of(actor, "task", Operation.WRITE) == Scope.NONE:
            context["writable"] = set()
    if request.htmx and request.htmx.target == "task-results":
        return render(request, "activities/_my_tasks_results.html", context)
    return render(request, "activities/my_tasks.html", context)
