"""Benchmark: the API's bulk writes at 1,000 records per call, on top of a populated database.

Generates ``BENCH_UPSERT_CONTACTS`` contacts (with their companies, interactions, tasks and notes, through
``datagen.py``) and builds the search index, then times through the whole stack (Django's test client, an API
token) calls of 1,000 records each:

- ``POST /api/v1/contacts/bulk-upsert``: new contacts (names, two emails, a phone, an address, a company, tags,
  custom values), as the admin and as a sales rep (team scope); the same contacts updated (a few fields, tags,
  a phone), matched by external id and by email; the same call again (nothing changes);
- ``POST /api/v1/companies/bulk-upsert``: new companies, then updated, matched by domain;
- ``POST /api/v1/interactions/ingest``: new interactions on the contacts (by id and by email), then the same
  batch again (every item a duplicate).

Prints per call the median and worst time of ``BENCH_UPSERT_REPEAT`` calls, the median CPU time of this process
(Django and, on SQLite, the database too: a busy machine disturbs it less than the wall time), the SQL queries of
a call, and checks the outcome counts (a call whose records did not all do what was meant is reported, and the
run fails).

Run: .venv/bin/python bench/bench_bulk_upsert.py  (see bench/README.md and bench/_common.py)
"""

import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import main, step

CONTACTS = int(os.environ.get("BENCH_UPSERT_CONTACTS", "20000"))
REPEAT = int(os.environ.get("BENCH_UPSERT_REPEAT", "3"))
RECORDS = 1000
TARGET = 2.0  # seconds per call of 1,000 records

SEGMENTS = ["SMB", "Mid-market", "Enterprise", "Public sector"]
CITIES = [("London", "GB"), ("Paris", "FR"), ("Berlin", "DE"), ("Madrid", "ES"), ("Toronto", "CA")]


def _token(user) -> str:
    from django.utils import timezone

    from rapport.users.models import APIToken, hash_token

    raw = APIToken.generate()
    # Last used "in the future": no last-use write in the measured calls (it happens once a minute).
    APIToken.objects.create(user=user, name="bench", prefix=raw[:12], key_hash=hash_token(raw),
                            last_used_at=timezone.now() + timedelta(days=1))  # fmt: skip
    return raw


def contact_record(run: str, i: int, company_ids: list[int], *, version: int = 0) -> dict:
    city, country = CITIES[i % len(CITIES)]
    record = {
        "external_id": f"bu-{run}-{i}",
        "first_name": f"Bulk{i}",
        "last_name": f"Upsert {run}",
        "emails": [{"email": f"bulk{i}.{run}@example.test"}, {"email": f"bulk{i}.{run}@home.example.test"}],
        "phones": [{"number": f"+1 415 {200 + i % 700:03d} {i % 10000:04d}"}],
        "addresses": [{"street": f"{i} Main St", "city": city, "country": country}],
        "companies": [{"company_id": company_ids[i % len(company_ids)]}],
        "job_title": "Engineer",
        "lifecycle_stage": "lead",
        "tags": ["bench-upsert", "newsletter"],
        "custom": {"segment": SEGMENTS[i % 4], "score": i % 100},
    }
    if version:  # an update: a few fields, the tags and the phone change
        record = {
            "external_id": record["external_id"],
            "job_title": f"Engineer v{version}",
            "lifecycle_stage": ["lead", "customer"][version % 2],
            "tags": ["bench-upsert", f"wave-{version}"],
            "phones": [{"number": f"+1 415 {200 + i % 700:03d} {(i + version) % 10000:04d}"}],
            "custom": {"score": (i + version) % 100},
        }
    return record


def company_record(run: str, i: int, *, version: int = 0) -> dict:
    if version:
        return {"domain": f"bulk{i}-{run}.example.test", "industry": f"Industry {version}", "tags": [f"w{version}"]}
    city, country = CITIES[i % len(CITIES)]
    return {
        "name": f"Bulk Company {run} {i}",
        "domains": [{"domain": f"bulk{i}-{run}.example.test"}],
        "industry": "Software",
        "phone": f"+1 212 {200 + i % 700:03d} {i % 10000:04d}",
        "addresses": [{"street": f"{i} High St", "city": city, "country": country}],
        "tags": ["bench-upsert"],
        "custom": {"tier": ["Gold", "Silver", "Bronze"][i % 3]},
    }


def interaction_item(run: str, i: int, contact_id: int, email: str | None) -> dict:
    item = {
        "kind": "email",
        "direction": "in",
        "channel": "email",
        "subject": f"Re: bulk {run} {i}",
        "body": "Thanks for the call; here are the figures we spoke about.",
        "occurred_at": (datetime(2025, 6, 1, tzinfo=UTC) + timedelta(minutes=i)).isoformat(),
        "source": "bench",
        "external_id": f"ing-{run}-{i}",
        "participants": [{"name": "Someone", "email": "someone@example.test"}],
    }
    if email and i % 2:
        item["contact_emails"] = [email]
    else:
        item["contacts"] = [contact_id]
    return item


class Calls:
    def __init__(self):
        self.rows = []
        self.failed = False

    def time(self, label: str, client, url: str, token: str, bodies, expect: dict[str, int]) -> None:
        """POST each body (one per repetition), checking the outcome counts of each call."""
        from django.db import connection

        timings, cpu, counts = [], [], []

        def counter(execute, sql, params, many, context):
            counts[-1] += 1
            return execute(sql, params, many, context)

        for body in bodies:
            counts.append(0)
            started, started_cpu = time.perf_counter(), time.process_time()
            with connection.execute_wrapper(counter):
                response = client.post(url, body, content_type="application/json",
                                       headers={"Authorization": f"Bearer {token}"})  # fmt: skip
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            if response.status_code != 200:
                raise SystemExit(f"{label}: POST {url} answered {response.status_code}: {response.content[:400]!r}")
            got = {k: v for k, v in response.json().items() if k != "results"}
            if any(got.get(k) != v for k, v in expect.items()):
                self.failed = True
                bad = [r for r in response.json()["results"] if r["status"] == "failed"][:3]
                print(f"  {label}: expected {expect}, got {got}; e.g. {bad}")
        self.rows.append(
            (label, statistics.median(timings), max(timings), statistics.median(cpu), len(timings), counts[0])
        )

    def print_table(self) -> None:
        width = max(len(r[0]) for r in self.rows)
        print(
            f"\n{'call (1,000 records)':<{width}}  {'median s':>8}  {'max s':>6}  {'CPU s':>5}  {'n':>2}  {'queries':>7}"
        )
        for label, median, worst, cpu, n, queries in self.rows:
            flag = "" if median < TARGET else f"  OVER {TARGET:.0f} s"
            print(f"{label:<{width}}  {median:>8.2f}  {worst:>6.2f}  {cpu:>5.2f}  {n:>2}  {queries:>7}{flag}")


def run(backend: str) -> None:
    import datagen
    from django.db import connection
    from django.test import Client

    from rapport.contacts import search
    from rapport.contacts.models import Company, Contact
    from rapport.users.models import User

    with step(f"generating {CONTACTS:,} contacts"):
        data = datagen.generate(contacts=CONTACTS, interactions=CONTACTS * 5, card_interactions=100, out=lambda *a,
                                **k: None)  # fmt: skip
    with step("building the search index"):
        search.rebuild()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    admin, rep = User.objects.get(pk=data.admin_id), User.objects.get(pk=data.rep_id)
    tokens = {admin.pk: _token(admin), rep.pk: _token(rep)}
    company_ids = list(Company.objects.order_by("pk").values_list("pk", flat=True)[:200])
    rep_companies = list(Company.objects.filter(team_id=rep.team_id).values_list("pk", flat=True)[:50])
    client = Client()
    # A first request loads the URL configuration and the API's modules: not part of any figure.
    client.get("/api/v1/contacts?limit=1", headers={"Authorization": f"Bearer {tokens[admin.pk]}"})
    calls = Calls()
    contacts_url, companies_url = "/api/v1/contacts/bulk-upsert", "/api/v1/companies/bulk-upsert"
    ingest_url = "/api/v1/interactions/ingest"
    all_created = {"created": RECORDS, "failed": 0}
    all_updated = {"updated": RECORDS, "failed": 0}
    runs = [f"r{n}" for n in range(REPEAT)]

    def contacts(run: str, company_ids: list[int], version: int = 0) -> list[dict]:
        return [contact_record(run, i, company_ids, version=version) for i in range(RECORDS)]

    calls.time("contacts: create (admin)", client, contacts_url, tokens[admin.pk],
               [{"match": "external_id", "mode": "create", "records": contacts(r, company_ids)} for r in runs],
               all_created)  # fmt: skip
    calls.time("contacts: create (sales rep, team scope)", client, contacts_url, tokens[rep.pk],
               [{"match": "external_id", "mode": "create", "records": contacts("rep" + r, rep_companies)}
                for r in runs], all_created)  # fmt: skip
    calls.time("contacts: update by external id", client, contacts_url, tokens[admin.pk],
               [{"match": "external_id", "records": contacts(runs[0], company_ids, version=n + 1)}
                for n in range(REPEAT)], all_updated)  # fmt: skip
    by_email = []
    for n in range(REPEAT):
        records = contacts(runs[1 % REPEAT], company_ids, version=n + 1)
        for i, record in enumerate(records):
            record.pop("external_id")
            record["email"] = f"bulk{i}.{runs[1 % REPEAT]}@example.test"  # the first email is the key
        by_email.append({"match": "email", "mode": "update", "records": records})
    calls.time("contacts: update by email", client, contacts_url, tokens[admin.pk], by_email,
               {"failed": 0})  # fmt: skip
    calls.time("contacts: update, nothing changes", client, contacts_url, tokens[admin.pk],
               [{"match": "external_id", "records": contacts(runs[0], company_ids, version=REPEAT)}] * REPEAT,
               {"unchanged": RECORDS, "failed": 0})  # fmt: skip
    calls.time("companies: create", client, companies_url, tokens[admin.pk],
               [{"match": "domain", "mode": "create", "records": [company_record(r, i) for i in range(RECORDS)]}
                for r in runs], all_created)  # fmt: skip
    calls.time("companies: update by domain", client, companies_url, tokens[admin.pk],
               [{"match": "domain", "records": [company_record(runs[0], i, version=n + 1) for i in range(RECORDS)]}
                for n in range(REPEAT)], all_updated)  # fmt: skip
    targets = list(Contact.objects.filter(external_id__startswith=f"bu-{runs[0]}-").order_by("pk").values_list(
        "pk", "email"))  # fmt: skip
    batches = [{"items": [interaction_item(r, i, *targets[i]) for i in range(RECORDS)]} for r in runs]
    calls.time("interactions: ingest", client, ingest_url, tokens[admin.pk], batches,
               {"created": RECORDS, "failed": 0})  # fmt: skip
    calls.time("interactions: ingest again (duplicates)", client, ingest_url, tokens[admin.pk], batches,
               {"duplicate": RECORDS, "failed": 0})  # fmt: skip
    calls.print_table()
    if calls.failed:
        raise SystemExit("Some calls did not do what was expected (see above).")


if __name__ == "__main__":
    sys.exit(main("bench_bulk_upsert", run))
