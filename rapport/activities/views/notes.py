"""The notes panel of a contact or company: list (pinned first), add, edit, pin, delete."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from rapport.contacts import selectors as contact_selectors
from rapport.core.errors import ApplicationError
from rapport.core.forms import apply_application_error, raise_for_http
from rapport.core.ui import confirm, get_or_404, posted, require

from .. import selectors, services
from ..forms import NoteForm
from ._common import fragment, get_record, record_context, record_of, with_toast

NOTES_PAGE = 20


def _notes_context(request, object_type, record, *, form=None, shown=NOTES_PAGE):
    actor = request.user
    notes = list(selectors.notes_for(actor=actor, **{object_type: record})[: shown + 1])
    more = len(notes) > shown
    notes = notes[:shown]
    record_writable = bool(contact_selectors.writable_ids(actor=actor, object_type=object_type, ids=[record.pk]))
    # services.can_edit_note, for the whole list at once: the author, or whoever may edit the record.
    editable = {n.pk for n in notes if record_writable or n.author_id == actor.pk}
    return {
        **record_context(object_type, record),
        "notes": notes,
        "more": more,
        "next_shown": shown + NOTES_PAGE,
        "editable": editable,
        "note_form": form or NoteForm(prefix=f"note-{object_type}-{record.pk}"),
    }


def _shown(request) -> int:
    try:
        return max(NOTES_PAGE, min(int(request.GET.get("shown", NOTES_PAGE)), 500))
    except ValueError:
        return NOTES_PAGE


def _render_notes(request, context, status=200, *, toast=None, level="success"):
    """The notes panel: in place for htmx (with a toast), else the notes page (after a change, by redirect)."""
    if request.htmx:
        response = render(request, "activities/_notes.html", context, status=status)
        response = fragment(response, f"notes-{context['prefix']}")
        return with_toast(response, toast, level) if toast else response
    if toast and status < 400:
        messages.add_message(request, messages.ERROR if level == "error" else messages.SUCCESS, toast)
        return redirect(reverse("notes_panel", args=[context["object_type"], context["record"].pk]))
    return render(request, "activities/notes_page.html", context, status=status)


@login_required
def notes_panel(request, object_type, pk):
    """The notes of a record, pinned first; POST adds one."""
    actor = request.user
    record = get_record(actor, object_type, pk)
    form = NoteForm(posted(request), prefix=f"note-{object_type}-{record.pk}")
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.note_create(actor=actor, data={**form.service_data(), object_type: record.pk})
            except ApplicationError as exc:
                apply_application_error(form, exc, field_map={"contact": "__all__", "company": "__all__"})
                status = exc.status
            else:
                context = _notes_context(request, object_type, record)
                return _render_notes(request, context, toast="Note added.")
        return _render_notes(request, _notes_context(request, object_type, record, form=form), status)
    return _render_notes(request, _notes_context(request, object_type, record, shown=_shown(request)))


def _note(request, pk):
    """A note the actor may see, with its record, and whether they may change it."""
    actor = request.user
    note = get_or_404(selectors.note_get, actor=actor, pk=pk)
    object_type, record_pk = record_of(note)
    record = get_record(actor, object_type, record_pk)
    return note, object_type, record


@login_required
def note_edit(request, pk):
    actor = request.user
    note, object_type, record = _note(request, pk)
    require(services.can_edit_note(actor, note))
    form = NoteForm(posted(request), note=note, prefix=f"note-edit-{note.pk}")
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.note_update(actor=actor, note=note, data=form.service_data())
            except ApplicationError as exc:
                apply_application_error(form, exc)
                status = exc.status
            else:
                return _render_notes(request, _notes_context(request, object_type, record), toast="Note saved.")
    context = {**record_context(object_type, record), "note": note, "edit_form": form}
    if request.htmx:
        return render(request, "activities/_note_edit.html", context, status=status)
    return render(request, "activities/note_edit.html", context, status=status)


@login_required
def note_delete(request, pk):
    actor = request.user
    note, object_type, record = _note(request, pk)
    require(services.can_edit_note(actor, note))
    if request.method != "POST":
        return confirm(
            request,
            title="Delete this note?",
            message="The note will be removed for everyone. This cannot be undone.",
            action_label="Delete note",
            cancel_url=reverse("notes_panel", args=[object_type, record.pk]),
        )
    try:
        services.note_delete(actor=actor, note=note)
    except ApplicationError as exc:
        raise_for_http(exc)
        return _render_notes(request, _notes_context(request, object_type, record), toast=exc.message, level="error")
    return _render_notes(request, _notes_context(request, object_type, record), toast="Note deleted.")


@login_required
@require_POST
def note_pin(request, pk):
    actor = request.user
    note, object_type, record = _note(request, pk)
    require(services.can_edit_note(actor, note))
    pinned = not note.pinned
    try:
        services.note_update(actor=actor, note=note, data={"pinned": pinned})
    except ApplicationError as exc:
        raise_for_http(exc)
        return _render_notes(request, _notes_context(request, object_type, record), toast=exc.message, level="error")
    return _render_notes(
        request, _notes_context(request, object_type, record), toast="Note pinned." if pinned else "Note unpinned."
    )
