"""Every action the code records in the audit log is declared, with a label, so the audit page suggests it and
finds it by its label."""

import ast
from pathlib import Path

import pytest
from django.urls import reverse

import rapport
from rapport.core import audit
from rapport.core.forms import AUDIT_ACTIONS
from tests.factories import UserFactory, role

ROOT = Path(rapport.__file__).parent


def recorded_actions() -> dict[str, list[str]]:
    """{action: [where]} for every ``audit.record(..., action="...")`` of the package (tests aside)."""
    found: dict[str, list[str]] = {}
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if not (node.func.attr == "record" and isinstance(node.func.value, ast.Name)):
                continue
            if node.func.value.id != "audit":
                continue
            for keyword in node.keywords:
                if keyword.arg != "action":
                    continue
                # The text of the action, or of each branch of an expression choosing it.
                texts = [n.value for n in ast.walk(keyword.value) if isinstance(n, ast.Constant)]
                assert texts, f"{path}:{node.lineno}: give the action as text, so that it can be checked here"
                for text in texts:
                    found.setdefault(text, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_recorded_action_is_declared_with_a_label():
    found = recorded_actions()
    assert {"import_batch", "import_finished", "import_undone", "export", "create"} <= set(found)
    missing = {action: where for action, where in found.items() if action not in AUDIT_ACTIONS}
    assert not missing, f"declare these in rapport.core.forms.AUDIT_ACTIONS: {missing}"
    assert all(label.strip() for label in AUDIT_ACTIONS.values())
    assert len({label.casefold() for label in AUDIT_ACTIONS.values()}) == len(AUDIT_ACTIONS)


@pytest.mark.django_db
def test_the_audit_page_suggests_and_filters_import_and_export_actions(client):
    admin = UserFactory(role=role("admin"))
    client.force_login(admin)
    audit.record(actor=admin, action="import_finished", object_type="import", changes={"rows": 3})
    audit.record(actor=admin, action="export", object_type="contact", changes={"rows": 3})
    page = client.get(reverse("audit_list"))
    assert 'value="import_finished"' in page.content.decode()
    for typed in ("import_finished", "Import finished", "import FINISHED"):
        listed = client.get(reverse("audit_list"), {"action": typed}).context["page"].items
        assert [e.action for e in listed] == ["import_finished"], typed
    assert [e.action for e in client.get(reverse("audit_list"), {"action": "Exported"}).context["page"].items] == [
        "export"
    ]
