"""The whole API fuzzed against its own OpenAPI document (schemathesis): for every operation, valid and invalid
input alike, no 5xx, only declared status codes, answers matching their declared schema and content type (problem
JSON on errors). Writes are fuzzed too, in the test database.

Deterministic and bounded: schemathesis' coverage phase (boundary values, missing and mistyped fields, methods the
path does not take) and 15 derandomized examples per operation; one pytest test per operation."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import checks

from rapport.activities.models import Interaction, Note, Task
from rapport.api import api
from rapport.contacts.models import Company, Contact, CustomField, ExportJob, ImportJob, SavedView, Tag
from rapport.core.models import AuditEntry
from rapport.users.models import APIToken, Role, Team, User
from tests.factories import APITokenFactory, TeamFactory, UserFactory, api_token, make_company, make_contact, role

pytestmark = pytest.mark.django_db

# The document /api/v1/openapi.json serves; an explicit default config, so no schemathesis.toml is picked up.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=schemathesis.Config())

# Path parameters are drawn half the time from the rows the `world` fixture made (whether or not a fuzzed write
# deleted them since: the draw must not depend on the database), so the fuzzer reaches the happy paths too.
PATH_MODELS = {"user_id": User, "team_id": Team, "role_id": Role, "token_id": APIToken, "entry_id": AuditEntry}
PATH_MODELS.update({  # the customer data hub
    "contact_id": Contact, "company_id": Company, "custom_field_id": CustomField, "tag_id": Tag,
    "saved_view_id": SavedView, "interaction_id": Interaction, "note_id": Note, "task_id": Task,
    "import_id": ImportJob, "export_id": ExportJob,
})  # fmt: skip
EXISTING: dict[str, list[int]] = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    existing = {name: st.sampled_from(EXISTING[name]) for name in path_parameters or () if EXISTING.get(name)}
    if not existing:
        return st.just(path_parameters)
    return st.one_of(st.just(path_parameters), st.fixed_dictionaries({**path_parameters, **existing}))


class TestApp:
    """Django's WSGI handler as its test client runs it: the test's database connection (and its transaction)
    stays open between requests, and the answer is read whole before the request is finished."""

    __test__ = False

    def __init__(self):
        self.handler = WSGIHandler()

    def __call__(self, environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = self.handler(environ, start_response)
            body = b"".join(response)
            response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return [body]


# Not checked: the schema cannot say everything, and by design
# - valid-looking input may still be refused: a stale If-Match (412), an unknown cursor, a taken name, a malformed
#   email (422)...;
# - pydantic parses leniently: "3.0" is the id 3, a Unix time is a datetime (accepted, not refused).
NOT_CHECKED = [checks.positive_data_acceptance, checks.negative_data_rejection]


def problem_json_on_errors(ctx, response, case):
    """Every error is problem JSON with its status, declared or not (e.g. the 405 to a method no route takes)."""
    if response.status_code >= 400:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type == "application/problem+json", f"{response.status_code} answered as {content_type!r}"
        body = response.json()
        assert body["status"] == response.status_code and body["code"], body


schema.app = TestApp()  # requests go in-process through the whole stack, middleware included


def _data_hub(admin, manager):
    """Contacts and companies of two owners, a custom field, a saved view, an interaction, a note and a task."""
    from rapport.activities import services as activities
    from rapport.contacts import services as contacts

    contacts.custom_field_create(actor=admin, data={"object_type": "contact", "label": "Plan", "field_type": "text"})
    parent = make_company(admin, name="Holding", domain="holding.test")
    acme = make_company(manager, name="Acme", domain="acme.test", parent=parent.pk, tags=["vip"])
    ada = make_contact(manager, email="ada@acme.test", companies=[{"company": acme.pk}], custom={"plan": "Pro"})
    make_contact(admin, first_name="Grace", last_name="Hopper")
    contacts.saved_view_create(
        actor=admin, data={"object_type": "contact", "name": "Leads", "filters": {"tags": "vip"}}
    )
    activities.interaction_log(
        actor=admin, data={"kind": "call", "contacts": [ada.pk], "source": "pbx", "external_id": "1"}
    )
    activities.note_create(actor=admin, data={"body": "Met at the fair.", "company": acme.pk})
    activities.task_create(actor=admin, data={"title": "Call back", "contact": ada.pk, "assignee": manager.pk})
    ImportJob.objects.create(object_type="contact", file_name="people.csv", file_path="imports/none.csv",
                             file_format="csv", owner=admin)  # fmt: skip
    ExportJob.objects.create(object_type="contact", owner=admin)


@pytest.fixture(autouse=True)
def _files_in_a_temporary_directory(settings, tmp_path):
    """Fuzzed uploads and exports write their files here, not into var/."""
    settings.VAR_DIR = tmp_path


@pytest.fixture
def world():
    """Some of everything, and an admin whose token authenticates every request."""
    red, blue = TeamFactory(name="Red"), TeamFactory(name="Blue")
    admin = UserFactory(username="fuzz-admin", role=role("admin"), team=red)
    manager = UserFactory(role=role("manager"), team=red)
    red.managers.add(manager)
    blue.managers.add(UserFactory(team=blue))
    Role.objects.create(key="custom", name="Custom", scopes={"user": {"read": "team", "write": "own"}})
    APITokenFactory(user=manager)
    raw = api_token(admin)
    token = APIToken.objects.get(user=admin)
    AuditEntry.objects.create(action="create", object_type="team", object_id=str(red.pk), actor=admin)
    _data_hub(admin, manager)
    EXISTING.clear()
    EXISTING.update({name: sorted(model.objects.values_list("pk", flat=True)) for name, model in PATH_MODELS.items()})
    return {"admin": admin, "token": token, "headers": {"Authorization": f"Bearer {raw}"}}


@schema.parametrize()
@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api(case, world):
    # A fuzzed write may revoke the admin's token, or demote the admin once it invited another: undo that, so that
    # every example runs as an admin.
    APIToken.objects.filter(pk=world["token"].pk).update(revoked_at=None)
    User.objects.filter(pk=world["admin"].pk).update(is_active=True, role=role("admin"))
    case.call_and_validate(
        headers=world["headers"], excluded_checks=NOT_CHECKED, additional_checks=[problem_json_on_errors]
    )
