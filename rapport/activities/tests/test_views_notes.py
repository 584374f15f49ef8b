"""The notes panel: list (pinned first), add, edit, pin, delete; who may change a note."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rapport.activities.models import Note
from rapport.activities.services import note_create

pytestmark = pytest.mark.django_db


def add_note(actor, contact, body="A note", **data):
    return note_create(actor=actor, data={"contact": contact.pk, "body": body, **data})


def prefixed(contact, **values):
    return {f"note-contact-{contact.pk}-{k}": v for k, v in values.items()}


def panel(client, contact, htmx, **params):
    return client.get(reverse("notes_panel", args=["contact", contact.pk]), params, **htmx)


def test_panel_lists_pinned_notes_first_then_newest(client, rep, ada, htmx):
    old = add_note(rep, ada, "Old")
    pinned = add_note(rep, ada, "Pinned one", pinned=True)
    new = add_note(rep, ada, "New <b>bold</b>")
    client.force_login(rep)
    response = panel(client, ada, htmx)
    assert response.status_code == 200
    assert [n.pk for n in response.context["notes"]] == [pinned.pk, new.pk, old.pk]
    body = response.content.decode()
    assert f'id="notes-contact-{ada.pk}"' in body and "&lt;b&gt;bold&lt;/b&gt;" in body and "Pinned" in body


def test_add_a_note_and_refused_empty_note(client, rep, ada, htmx):
    client.force_login(rep)
    url = reverse("notes_panel", args=["contact", ada.pk])
    response = client.post(url, prefixed(ada, body="   "), **htmx)
    assert response.status_code == 422 and response.context["note_form"].errors["body"]
    assert not Note.objects.exists()
    response = client.post(url, prefixed(ada, body="Call back Monday", pinned="on"), **htmx)
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"])["rapport:toast"]["message"] == "Note added."
    note = Note.objects.get()
    assert (note.body, note.pinned, note.author, note.contact_id) == ("Call back Monday", True, rep, ada.pk)
    assert "Call back Monday" in response.content.decode()


def test_add_a_note_on_a_company(client, rep, acme, htmx):
    client.force_login(rep)
    url = reverse("notes_panel", args=["company", acme.pk])
    response = client.post(url, {f"note-company-{acme.pk}-body": "Board meets in May"}, **htmx)
    assert response.status_code == 200
    assert Note.objects.get().company_id == acme.pk


def test_without_javascript_adding_redirects_to_the_notes_page(client, rep, ada):
    client.force_login(rep)
    url = reverse("notes_panel", args=["contact", ada.pk])
    response = client.post(url, prefixed(ada, body="Plain form"))
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url)
    assert "<html" in page.content.decode() and "Plain form" in page.content.decode()


def test_the_author_edits_in_place(client, rep, ada, htmx):
    note = add_note(rep, ada, "Draft")
    client.force_login(rep)
    url = reverse("note_edit", args=[note.pk])
    response = client.get(url, **htmx)
    assert response.status_code == 200 and f'id="note-{note.pk}"' in response.content.decode()
    response = client.post(url, {f"note-edit-{note.pk}-body": ""}, **htmx)
    assert response.status_code == 422 and response.context["edit_form"].errors["body"]
    response = client.post(url, {f"note-edit-{note.pk}-body": "Final"}, **htmx)
    assert response.status_code == 200 and response["HX-Retarget"] == f"#notes-contact-{ada.pk}"
    note.refresh_from_db()
    assert note.body == "Final"


def test_pin_and_unpin(client, rep, ada, htmx):
    note = add_note(rep, ada)
    client.force_login(rep)
    client.post(reverse("note_pin", args=[note.pk]), **htmx)
    note.refresh_from_db()
    assert note.pinned
    client.post(reverse("note_pin", args=[note.pk]), **htmx)
    note.refresh_from_db()
    assert not note.pinned
    assert client.get(reverse("note_pin", args=[note.pk])).status_code == 405


def test_delete_asks_first_without_javascript(client, rep, ada, htmx):
    note = add_note(rep, ada)
    client.force_login(rep)
    url = reverse("note_delete", args=[note.pk])
    assert client.get(url).status_code == 200 and Note.objects.exists()
    response = client.post(url, **htmx)
    assert response.status_code == 200 and not Note.objects.exists()


def test_only_the_author_or_record_writers_change_a_note(client, rep, teammate, manager, ada, htmx):
    """A teammate sees Ada (team read) but may not write her, so not another's note; the manager may."""
    note = add_note(rep, ada, "Rep's note")
    mine = add_note(teammate, ada, "Teammate's note")
    client.force_login(teammate)
    response = panel(client, ada, htmx)
    assert response.context["editable"] == {mine.pk}
    assert f'href="{reverse("note_edit", args=[note.pk])}"' not in response.content.decode()
    for name in ("note_edit", "note_pin", "note_delete"):
        assert client.post(reverse(name, args=[note.pk]), {f"note-edit-{note.pk}-body": "Hijack"}).status_code == 403
    assert client.get(reverse("note_edit", args=[note.pk])).status_code == 403
    note.refresh_from_db()
    assert note.body == "Rep's note" and not note.pinned
    assert client.post(reverse("note_edit", args=[mine.pk]), {f"note-edit-{mine.pk}-body": "Mine"}).status_code == 302

    client.force_login(manager)
    assert panel(client, ada, htmx).context["editable"] == {note.pk, mine.pk}
    assert client.post(reverse("note_delete", args=[note.pk]), **htmx).status_code == 200
    assert not Note.objects.filter(pk=note.pk).exists()


def test_notes_of_records_out_of_scope_answer_404(client, rep, outsider, ada, htmx):
    note = add_note(rep, ada)
    client.force_login(outsider)
    for name in ("note_edit", "note_pin", "note_delete"):
        assert client.post(reverse(name, args=[note.pk]), **htmx).status_code == 404
    assert client.get(reverse("note_edit", args=[note.pk])).status_code == 404
    assert Note.objects.filter(pk=note.pk, pinned=False).exists()


def test_show_more_and_constant_query_count(client, rep, teammate, ada, htmx):
    client.force_login(teammate)
    for i in range(3):
        add_note(rep if i % 2 else teammate, ada, f"Note {i}")
    panel(client, ada, htmx)
    with CaptureQueriesContext(connection) as few:
        panel(client, ada, htmx)
    Note.objects.bulk_create(Note(contact=ada, body=f"Bulk {i}", author=rep) for i in range(60))
    with CaptureQueriesContext(connection) as many:
        response = panel(client, ada, htmx)
    assert len(many) == len(few)
    assert len(response.context["notes"]) == 20 and response.context["more"]
    response = panel(client, ada, htmx, shown=response.context["next_shown"])
    assert len(response.context["notes"]) == 40
    assert panel(client, ada, htmx, shown="junk").status_code == 200


def test_edit_page_without_javascript(client, rep, ada):
    note = add_note(rep, ada, "Draft")
    client.force_login(rep)
    url = reverse("note_edit", args=[note.pk])
    response = client.get(url)
    assert response.status_code == 200 and "Edit a note on Ada Lovelace" in response.content.decode()
    response = client.post(url, {f"note-edit-{note.pk}-body": "Done", f"note-edit-{note.pk}-pinned": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("notes_panel", args=["contact", ada.pk])
    note.refresh_from_db()
    assert note.body == "Done" and note.pinned
