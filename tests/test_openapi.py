"""The OpenAPI document is part of the contract: a committed snapshot, explicit operation ids, documented errors,
and interactive docs served from our own static files."""

import json
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from rapport.api import api

SNAPSHOT = Path(__file__).with_name("openapi_snapshot.json")
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"


def _document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(document: dict):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def _summary_of_changes(old: dict, new: dict) -> str:
    lines = []
    old_ops = {(p, m): o for p, m, o in _operations(old)}
    new_ops = {(p, m): o for p, m, o in _operations(new)}
    lines += [f"  + {m.upper()} {p}" for p, m in sorted(new_ops.keys() - old_ops.keys())]
    lines += [f"  - {m.upper()} {p}" for p, m in sorted(old_ops.keys() - new_ops.keys())]
    lines += [
        f"  ~ {m.upper()} {p}" for p, m in sorted(old_ops.keys() & new_ops.keys()) if old_ops[p, m] != new_ops[p, m]
    ]
    old_schemas, new_schemas = old.get("components", {}).get("schemas", {}), new["components"]["schemas"]
    lines += [f"  ~ schema {name}" for name in sorted(old_schemas.keys() | new_schemas.keys())
              if old_schemas.get(name) != new_schemas.get(name)]  # fmt: skip
    if old.get("info") != new.get("info"):
        lines.append("  ~ info")
    return "\n".join(lines) or "  (ordering or top-level changes)"


def test_openapi_document_matches_the_committed_snapshot(client):
    document = _document(client)
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    if UPDATE or not SNAPSHOT.exists():
        SNAPSHOT.write_text(text)
        if not UPDATE:
            pytest.fail(f"{SNAPSHOT.name} did not exist and was written; review and commit it.")
        return
    expected = json.loads(SNAPSHOT.read_text())
    if document != expected:
        pytest.fail(
            "The OpenAPI document differs from tests/openapi_snapshot.json:\n"
            f"{_summary_of_changes(expected, document)}\n"
            "If the API change is intended, regenerate the snapshot and commit it with the change:\n"
            "  UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_openapi.py",
            pytrace=False,
        )


def test_every_operation_has_an_explicit_unique_operation_id():
    seen = set()
    for router in {id(r): r for _, r in api._routers}.values():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                name = f"{operation.view_func.__module__}.{operation.view_func.__name__}"
                assert operation.operation_id, f"{name} has no operation_id"
                assert operation.operation_id not in seen, f"operation_id {operation.operation_id} is used twice"
                seen.add(operation.operation_id)
    assert len(seen) >= 20


def test_every_operation_documents_its_answers(client):
    document = _document(client)
    for path, method, operation in _operations(document):
        where = f"{method.upper()} {path}"
        responses = {int(code): answer for code, answer in operation["responses"].items()}
        assert any(200 <= code < 300 for code in responses), f"{where}: no success response"
        assert 401 in responses, f"{where}: authenticated routes answer 401"
        if "{" in path:
            assert 404 in responses, f"{where}: a route on one record answers 404"
        if "requestBody" in operation or (method == "get" and not re.search(r"\{\w+\}$", path)):
            assert 422 in responses or path.endswith(("/me", "/permissions")), f"{where}: input can be invalid: 422"
        if method in ("patch", "delete"):
            assert 412 in responses, f"{where}: If-Match can fail: 412"
            assert any(p["name"] == "If-Match" for p in operation["parameters"]), f"{where}: If-Match not declared"
        if "requestBody" in operation:
            assert 400 in responses, f"{where}: a body that is not JSON: 400"
        # File uploads stream to disk; replaying a body from an idempotency record would mean keeping it in full.
        uploads = "multipart/form-data" in operation.get("requestBody", {}).get("content", {})
        if method == "post" and "requestBody" in operation and not uploads:
            assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"]), f"{where}: no Idempotency-Key"
        for code, answer in responses.items():
            if code >= 400:
                content = answer["content"]
                assert list(content) == ["application/problem+json"], f"{where} {code}"
                assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_docs_page_loads_swagger_ui_from_our_own_static_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    external = [a for a in assets if re.match(r"(https?:)?//", a)]
    assert not external, f"the docs page loads from elsewhere: {external}"
    for asset in assets:
        assert asset.startswith(settings.STATIC_URL), asset
        assert finders.find(asset.removeprefix(settings.STATIC_URL)), f"{asset} is not among our static files"
        assert client.get(asset).status_code == 200, asset
    assert '"/api/v1/openapi.json"' in html
