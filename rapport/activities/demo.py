"""Demo data of the timeline: 20,000 interactions over the last two years on every channel (emails, calls,
meetings, notes, chats, SMS, social, website visits, forms, purchases, tickets, system events), notes on contacts
and companies, and tasks for the demo users (done, overdue, due today, upcoming).

Deterministic for a seed (times relative to now) and bulk-inserted, with what the services store: each
interaction linked to its contacts and to their primary companies, the time and kind copied onto the links.
Interactions carry ``source="demo"`` and an external id, so a second run (which finds them) adds nothing.
"""

import random
import zoneinfo
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rapport.contacts.demo import insert_rows, update_rows

from .enums import InteractionKind, Priority, TaskStatus
from .models import Interaction, InteractionLink, Note, Task

SEED = 2027
SOURCE = "demo"
N_INTERACTIONS = 20_000
N_CONTACT_NOTES = 1_200
N_COMPANY_NOTES = 300
TASKS_PER_USER = 48
HISTORY_DAYS = 730
BATCH = 2000

KIND_WEIGHTS = {
    InteractionKind.EMAIL: 30, InteractionKind.CALL: 11, InteractionKind.MEETING: 7, InteractionKind.NOTE: 3,
    InteractionKind.CHAT: 6, InteractionKind.SMS: 4, InteractionKind.SOCIAL: 4, InteractionKind.WEB_VISIT: 14,
    InteractionKind.FORM: 4, InteractionKind.PURCHASE: 6, InteractionKind.TICKET: 7, InteractionKind.SYSTEM: 4,
}  # fmt: skip
STAGE_ACTIVITY = {"customer": 3, "evangelist": 3, "opportunity": 4, "sales_qualified": 3, "marketing_qualified": 2,
                  "lead": 1.5, "subscriber": 0.7, "other": 0.5, "": 0.5}  # fmt: skip
# product, list price in USD
PRODUCTS = [("Rapport Starter, annual plan", 1_200), ("Rapport Growth, annual plan", 6_000),
            ("Rapport Enterprise, annual plan", 24_000), ("Extra seats (10)", 900), ("Onboarding package", 2_500),
            ("Premium support, 12 months", 3_000), ("Data migration service", 4_000), ("Training day", 1_500),
            ("API add-on", 1_800)]  # fmt: skip
RATES = {"USD": 1, "EUR": 0.92, "GBP": 0.79, "CAD": 1.36, "SEK": 10.5, "PLN": 4.0, "BRL": 5.0, "MXN": 17.0,
         "JPY": 150, "INR": 83, "AUD": 1.5}  # fmt: skip
TOPICS = ["data migration", "the API", "pricing", "single sign-on", "reporting", "the mobile app", "onboarding",
          "integrations", "security review", "renewal terms"]  # fmt: skip
PAGES = ["/pricing", "/features", "/customers", "/blog/crm-data-quality", "/integrations", "/security", "/demo",
         "/docs/api", "/careers", "/compare"]  # fmt: skip
ISSUES = ["Cannot sign in with SSO", "Import stops at row 1,204", "Question about our invoice", "Email sync delayed",
          "Report shows wrong totals", "Need more user seats", "Webhook returns 500", "Export is missing columns"]  # fmt: skip

EMAIL_OUT = ["Following up on our call", "Proposal for {company}", "Next steps", "Your renewal at {company}",
             "Quick question about {topic}", "Invitation: product roadmap webinar", "Meeting notes",
             "Pricing for additional seats", "Case study you asked about"]  # fmt: skip
EMAIL_IN = ["Re: Proposal for {company}", "Question about {topic}", "Re: Next steps", "Can we move our meeting?",
            "Feedback on the trial", "Introduction: our new procurement lead", "Re: Your renewal at {company}"]  # fmt: skip
CALLS = ["Discovery call", "Check-in call", "Pricing discussion", "Support callback", "Renewal call",
         "Reference call", "Follow-up on {topic}"]  # fmt: skip
MEETINGS = ["Product demo", "Quarterly business review", "Onboarding kickoff", "Contract negotiation",
            "Executive briefing", "Workshop on {topic}", "Technical deep dive"]  # fmt: skip
NOTE_BODIES = [
    "{first} prefers email over calls; best reached before 10:00.",
    "Budget for next year is approved; decision expected end of quarter.",
    "Met {first} at the trade show; interested in {topic}.",
    "Their IT team needs a security review before signing.",
    "{company} is consolidating vendors; we are on the shortlist.",
    "Champion: {first}. Economic buyer is the CFO.",
    "Asked for a reference customer in the same industry.",
    "Renewal risk: usage dropped by a third since spring.",
    "Happy with support; would speak at our user conference.",
    "Procurement wants net-60 payment terms.",
]  # fmt: skip
TASK_TITLES = ["Call {first} about the renewal", "Send proposal to {company}", "Prepare QBR deck for {company}",
               "Follow up on the demo with {first}", "Answer the invoice question from {company}",
               "Book an onsite visit at {company}", "Update contract terms for {company}",
               "Send the case study to {first}", "Check in with {first} after onboarding",
               "Confirm the security review with {company}"]  # fmt: skip
INTERNAL_TASKS = ["Plan the webinar follow-up emails", "Clean up duplicate leads", "Update the pipeline forecast",
                  "Prepare the team meeting", "Review the lost deals of last month"]  # fmt: skip


def _fmt(rng: random.Random, template: str, *, first="", company="") -> str:
    return template.format(first=first or "them", company=company or "their company", topic=rng.choice(TOPICS))


def _money(usd: float, currency: str) -> Decimal:
    places = Decimal(1) if currency == "JPY" else Decimal("0.01")
    return Decimal(str(usd * RATES.get(currency, 1))).quantize(places)


class _World:
    """The records and users the activities hang off, read once."""

    def __init__(self, data):
        self.contacts = data.contacts
        self.companies = {c.pk: c for c in data.companies}
        self.users = data.users
        self.by_id = {u.pk: u for u in data.users.values()}
        self.people = defaultdict(list)  # company id -> its contacts
        for contact in self.contacts:
            if contact.company_id:
                self.people[contact.company_id].append(contact)
        self.sellers = [u for u in data.users.values() if u.role_id and u.role.key in ("manager", "sales_rep")]

    def user(self, rng, user_id):
        return self.by_id.get(user_id) or (rng.choice(self.sellers) if self.sellers else None)


def _interaction(rng, world: _World, contact, kind, when, n: int, company=None) -> tuple[Interaction, list]:
    if contact is not None:
        company = world.companies.get(contact.company_id) if contact.company_id else None
    owner = world.user(rng, contact.owner_id if contact else company.owner_id if company else None)
    first = contact.first_name if contact else ""
    name = company.name if company else ""
    values = {"kind": kind, "occurred_at": when, "source": SOURCE, "external_id": f"demo-{n:06d}", "data": {}}
    contacts = [contact] if contact else []
    person = {"name": contact.display_name, "email": contact.email} if contact else {}
    me = {"name": owner.display_name, "email": owner.email} if owner else {}
    if kind == InteractionKind.EMAIL:
        out = rng.random() < 0.6
        values |= {"direction": "out" if out else "in", "channel": "email",
                   "subject": _fmt(rng, rng.choice(EMAIL_OUT if out else EMAIL_IN), first=first, company=name),
                   "body": f"Hi {first or 'there'},\n\n" + rng.choice([
                       "Thanks for your time today. As promised, here is a summary and the next steps.",
                       "Could you let me know whether Tuesday or Thursday works better for you?",
                       "Attached is the updated proposal with the volume discount we discussed.",
                       "We would like to understand how the rollout is going for your team.",
                   ]) + "\n\nBest regards",
                   "participants": [{**person, "role": "to" if out else "from"}, {**me, "role": "from" if out else "to"}]}  # fmt: skip
    elif kind == InteractionKind.CALL:
        outcome = rng.choices(["connected", "voicemail", "no answer"], weights=[7, 2, 1])[0]
        values |= {"direction": rng.choice(["out", "out", "in"]), "channel": "phone",
                   "subject": _fmt(rng, rng.choice(CALLS), first=first, company=name) if outcome == "connected"
                   else "Left a voicemail" if outcome == "voicemail" else "No answer",
                   "data": {"outcome": outcome, "duration_seconds": rng.randint(120, 2700) if outcome == "connected"
                            else rng.randint(10, 60)}}  # fmt: skip
    elif kind == InteractionKind.MEETING:
        where = rng.choice(["zoom", "teams", "google meet", "in person"])
        values |= {"channel": where, "subject": _fmt(rng, rng.choice(MEETINGS), first=first, company=name),
                   "body": "Agenda: goals for the quarter, open questions, next steps.",
                   "data": {"duration_minutes": rng.choice([30, 45, 60, 90])},
                   "participants": [{**person, "role": "attendee"}, {**me, "role": "organizer"}]}  # fmt: skip
        colleagues = [c for c in world.people.get(contact.company_id, []) if c.pk != contact.pk] if contact else []
        if colleagues and rng.random() < 0.35:
            other = rng.choice(colleagues)
            contacts.append(other)
            values["participants"].append({"name": other.display_name, "email": other.email, "role": "attendee"})
    elif kind == InteractionKind.NOTE:
        values |= {"subject": "Note", "body": _fmt(rng, rng.choice(NOTE_BODIES), first=first, company=name)}
    elif kind == InteractionKind.CHAT:
        values |= {"direction": "in", "channel": rng.choice(["website chat", "whatsapp", "slack connect"]),
                   "subject": f"Chat about {rng.choice(TOPICS)}",
                   "body": "Visitor: Hi, quick question.\nAgent: Sure, happy to help!"}  # fmt: skip
    elif kind == InteractionKind.SMS:
        out = rng.random() < 0.7
        values |= {"direction": "out" if out else "in", "channel": "sms",
                   "body": f"Hi {first}, confirming our call tomorrow at 10:00." if out
                   else "Thanks, see you then!"}  # fmt: skip
    elif kind == InteractionKind.SOCIAL:
        values |= {"direction": "in", "channel": rng.choice(["linkedin", "linkedin", "x"]),
                   "subject": rng.choice(["Liked our post about {topic}", "Commented on our announcement",
                                          "Mentioned us in a post", "Shared our case study"]).format(
                       topic=rng.choice(TOPICS))}  # fmt: skip
    elif kind == InteractionKind.WEB_VISIT:
        page = rng.choice(PAGES)
        values |= {"direction": "in", "channel": "website", "subject": f"Visited {page}",
                   "data": {"url": f"https://rapport.example{page}", "pages": rng.randint(1, 12),
                            "duration_seconds": rng.randint(15, 900),
                            "referrer": rng.choice(["google", "linkedin", "newsletter", "direct"])}}  # fmt: skip
    elif kind == InteractionKind.FORM:
        form = rng.choice(["Demo request", "Contact us", "Whitepaper download", "Webinar registration"])
        values |= {"direction": "in", "channel": "website", "subject": f"Form: {form}",
                   "data": {"form": form, "utm_source": rng.choice(["google", "linkedin", "newsletter", "partner"])}}  # fmt: skip
    elif kind == InteractionKind.PURCHASE:
        product, usd = rng.choice(PRODUCTS)
        quantity = rng.choice([1, 1, 1, 2, 3, 5])
        currency = company.revenue_currency if company and company.revenue_currency else rng.choice(["USD", "EUR"])
        order = f"SO-{20_000 + n}"
        values |= {"channel": rng.choice(["online store", "sales order", "partner"]), "subject": f"Order {order}",
                   "amount": _money(usd * quantity, currency), "currency": currency, "product": product,
                   "data": {"order": order, "quantity": quantity}}  # fmt: skip
    elif kind == InteractionKind.TICKET:
        event = rng.choices(["opened", "replied", "solved"], weights=[4, 3, 3])[0]
        ticket = 4000 + n % 3000
        values |= {"direction": "in" if event == "opened" else "out", "channel": rng.choice(["email", "portal", "phone"]),
                   "subject": f"Ticket #{ticket} {event}: {rng.choice(ISSUES)}",
                   "data": {"ticket": ticket, "event": event,
                            "priority": rng.choice(["low", "normal", "normal", "high"])}}  # fmt: skip
    else:  # system
        values |= {"channel": "rapport",
                   "subject": rng.choice(["Subscribed to the newsletter", "Unsubscribed from product updates",
                                          "Lifecycle stage changed", "Enriched from the company website",
                                          "Email bounced"])}  # fmt: skip
        owner = None
    manual = kind in (InteractionKind.EMAIL, InteractionKind.CALL, InteractionKind.MEETING, InteractionKind.NOTE,
                      InteractionKind.SMS)  # fmt: skip
    interaction = Interaction(created_by=owner if manual else None, **values)
    return interaction, contacts


LINK_FIELDS = ["interaction", "contact", "company", "occurred_at", "kind"]


def _links(interaction: Interaction, contacts, companies) -> list[tuple]:
    """The timeline rows of an interaction: its contacts, and their primary companies (as the service links)."""
    common = (interaction.occurred_at, interaction.kind)
    company_ids = set(companies) | {c.company_id for c in contacts if c.company_id}
    return [(interaction.pk, c.pk, None, *common) for c in contacts] + [
        (interaction.pk, None, pk, *common) for pk in sorted(company_ids)
    ]


def _when(rng, start: datetime, now: datetime) -> datetime:
    start = max(start, now - timedelta(days=HISTORY_DAYS))
    span = max((now - start).total_seconds() - 60, 60)
    return start + timedelta(seconds=span * (rng.random() ** 0.7))


def _create_interactions(rng, world: _World, now) -> tuple[int, int]:
    contacts = world.contacts
    weights = [STAGE_ACTIVITY.get(c.lifecycle_stage, 1) for c in contacts]
    picks = rng.choices(contacts, weights=weights, k=N_INTERACTIONS)
    kinds = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()), k=N_INTERACTIONS)
    companies = list(world.companies.values())
    rows, targets = [], []
    for n, (contact, kind) in enumerate(zip(picks, kinds, strict=True), start=1):
        if rng.random() < 0.03 and companies:  # about the company as a whole
            company = rng.choice(companies)
            kind = rng.choice([InteractionKind.PURCHASE, InteractionKind.MEETING, InteractionKind.SYSTEM])
            interaction, _ = _interaction(rng, world, None, kind, _when(rng, company.created_at, now), n, company)
            rows.append(interaction)
            targets.append(([], [company.pk]))
            continue
        interaction, linked = _interaction(rng, world, contact, kind, _when(rng, contact.created_at, now), n)
        rows.append(interaction)
        targets.append((linked, []))
    links = 0
    for start in range(0, len(rows), BATCH):
        batch = Interaction.objects.bulk_create(rows[start : start + BATCH])
        batch_links = [link for interaction, (people, firms) in zip(batch, targets[start : start + BATCH], strict=True)
                       for link in _links(interaction, people, firms)]  # fmt: skip
        insert_rows(InteractionLink, LINK_FIELDS, batch_links)
        links += len(batch_links)
    return len(rows), links


def _create_notes(rng, world: _World, now) -> int:
    notes, moments = [], []
    people = rng.sample(world.contacts, k=min(N_CONTACT_NOTES, len(world.contacts)))
    firms = rng.sample(list(world.companies.values()), k=min(N_COMPANY_NOTES, len(world.companies)))
    for record in [*people, *firms]:
        is_contact = hasattr(record, "display_name")
        company = world.companies.get(record.company_id) if is_contact else record
        body = _fmt(rng, rng.choice(NOTE_BODIES), first=record.first_name if is_contact else "",
                    company=company.name if company else "")  # fmt: skip
        notes.append(Note(body=body, contact_id=record.pk if is_contact else None,
                          company_id=None if is_contact else record.pk, pinned=rng.random() < 0.04,
                          author=world.user(rng, record.owner_id)))  # fmt: skip
        moments.append(_when(rng, record.created_at, now))
    notes = Note.objects.bulk_create(notes, batch_size=BATCH)
    for note, moment in zip(notes, moments, strict=True):
        note.created_at = note.updated_at = moment
    update_rows(Note, ["created_at", "updated_at"], [(n.pk, n.created_at, n.updated_at) for n in notes])
    return len(notes)


def _task_for(rng, world: _World, user, records) -> dict:
    if records and rng.random() < 0.9:
        record = rng.choice(records)
        if hasattr(record, "display_name"):
            company = world.companies.get(record.company_id)
            title = rng.choice(TASK_TITLES).format(first=record.first_name or record.display_name,
                                                   company=company.name if company else record.display_name)  # fmt: skip
            return {"title": title, "contact_id": record.pk}
        title = rng.choice(TASK_TITLES).format(first=record.name, company=record.name)
        return {"title": title, "company_id": record.pk}
    return {"title": rng.choice(INTERNAL_TASKS)}


def _create_tasks(rng, world: _World, now) -> int:
    owned = defaultdict(list)
    for contact in world.contacts:
        owned[contact.owner_id].append(contact)
    for company in world.companies.values():
        owned[company.owner_id].append(company)
    tasks, created = [], []
    for username in sorted(world.users):
        user = world.users[username]
        if user.role_id is None or user.role.key == "read_only":
            continue
        zone = zoneinfo.ZoneInfo(user.time_zone or settings.TIME_ZONE)
        local = now.astimezone(zone)
        end_of_today = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        records = owned.get(user.pk, [])
        # (how many, status, due: a function of rng, on the hour or half-hour)
        plan = [
            (18, TaskStatus.DONE, lambda: now - timedelta(days=rng.uniform(1, 300)), True),
            (2, TaskStatus.CANCELLED, lambda: now - timedelta(days=rng.uniform(1, 120)), True),
            (5, TaskStatus.OPEN, lambda: now - timedelta(days=rng.uniform(0.1, 20)), True),  # overdue
            (4, TaskStatus.OPEN, lambda end=end_of_today: now + (end - now) * rng.uniform(0.05, 0.95), False),  # today
            (14, TaskStatus.OPEN, lambda: now + timedelta(days=rng.uniform(1, 30)), True),  # upcoming
            (3, TaskStatus.IN_PROGRESS, lambda: now + timedelta(days=rng.uniform(0.5, 10)), True),
            (2, TaskStatus.OPEN, lambda: None, False),  # someday
        ]
        for count, status, due, rounded in plan:
            for _ in range(count):
                due_at = due()
                if due_at is not None:
                    due_at = due_at.astimezone(zone).replace(second=0, microsecond=0)
                if rounded and due_at is not None:  # in the assignee's zone (at least 12 hours from now)
                    due_at = due_at.replace(minute=0 if due_at.minute < 30 else 30)
                task = Task(**_task_for(rng, world, user, records), status=status, due_at=due_at,
                            priority=rng.choices(list(Priority), weights=[2, 6, 3, 1])[0], assignee=user,
                            team_id=user.team_id, created_by=user)  # fmt: skip
                if rng.random() < 0.3:
                    task.description = "Context and links are in the notes of the record."
                if status == TaskStatus.DONE:
                    task.completed_at = min(due_at + timedelta(hours=rng.uniform(-48, 24)), now)
                if status in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS) and due_at and due_at > now:
                    remind = due_at - timedelta(hours=rng.choice([1, 24]))
                    task.remind_at = remind if remind > now and rng.random() < 0.6 else None
                tasks.append(task)
                start = (due_at or now) - timedelta(days=rng.uniform(1, 30))
                created.append(min(start, now))
    tasks = Task.objects.bulk_create(tasks, batch_size=BATCH)
    for task, moment in zip(tasks, created, strict=True):
        task.created_at = moment
        task.updated_at = max(moment, task.completed_at or moment)
    update_rows(Task, ["created_at", "updated_at"], [(t.pk, t.created_at, t.updated_at) for t in tasks])
    return len(tasks)


def demo_present() -> bool:
    return Interaction.objects.filter(source=SOURCE).exists()


@transaction.atomic
def create_demo_activities(*, data, seed: int = SEED) -> dict[str, int]:
    """Interactions, notes and tasks for the data hub's demo records (``rapport.contacts.demo.DemoData``).
    Nothing when the demo's interactions are there already."""
    if demo_present() or not data.contacts:
        return {}
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    now = timezone.now()
    world = _World(data)
    interactions, links = _create_interactions(rng, world, now)
    return {
        "interactions": interactions,
        "interaction_links": links,
        "notes": _create_notes(rng, world, now),
        "tasks": _create_tasks(rng, world, now),
    }
