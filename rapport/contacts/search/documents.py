"""The search documents of contacts and companies, built for a whole batch of ids in a fixed number of queries."""

from collections import defaultdict
from typing import NamedTuple

from django.urls import NoReverseMatch, reverse

from .. import normalize
from ..models import Company, CompanyDomain, Contact, ContactEmail, ContactPhone
from . import text
from .registry import Document, SearchType, register


def _unique(items) -> list[str]:
    out = dict.fromkeys(items)
    out.pop("", None)
    return list(out)


def _by_ids(queryset, ids: list[int], field: str = "pk"):
    """``queryset`` restricted to ``ids``: by a range when they are dense (a rebuild's batches: no query with
    thousands of parameters), else by IN."""
    if len(ids) > 50 and max(ids) - min(ids) < 2 * len(ids):
        return queryset.filter(**{f"{field}__gte": min(ids), f"{field}__lte": max(ids)})
    return queryset.filter(**{f"{field}__in": ids})


class ContactParts(NamedTuple):
    """The tokens of a contact's own fields: what an import's worker processes compute from the values they
    cleaned (``contact_parts``), so that the process writing the batch only adds the company."""

    title: str
    first_email: str
    job: str
    name: list[str]
    contact: list[str]
    phone: list[str]
    extra: list[str]


def contact_parts(*, prefix="", first="", middle="", last="", suffix="", display="", emails=(), phones=(), job="",
                  department="") -> ContactParts:  # fmt: skip
    """``emails`` and ``phones``: the contact's (primary first; E.164 numbers)."""
    emails, phones = _unique(emails), _unique(phones)
    return ContactParts(
        title=display or (emails[0] if emails else "") or "—",
        first_email=emails[0] if emails else "",
        job=job,
        name=_unique(text.tokens(" ".join((display, prefix, first, middle, last, suffix)))),
        contact=_unique(t for e in emails for t in text.email_tokens(e)),
        phone=_unique(t for p in phones for t in text.phone_tokens(p)),
        extra=_unique(text.tokens(f"{job} {department}")),
    )


def contact_document(pk: int, owner_id, team_id, parts: ContactParts, company_id, company_name: str,
                     related: list[str]) -> Document:  # fmt: skip
    """A contact's document from its parts and its company (``related``: ``company_tokens`` of it)."""
    role = ", ".join(p for p in (parts.job, company_name) if p)
    return Document(
        object_id=pk,
        owner_id=owner_id,
        team_id=team_id,
        title=parts.title,
        subtitle=" · ".join(p for p in (role, parts.first_email) if p),
        name=parts.name,
        contact=parts.contact,
        phone=parts.phone,
        related=related,
        extra=parts.extra,
        related_id=company_id,
    )


def company_tokens(name: str, domain: str) -> list[str]:
    """What a contact's document holds of its company."""
    return _unique([*text.tokens(name or ""), *text.domain_tokens(domain or "")])


def contact_documents(ids: list[int]) -> list[Document]:
    wanted = set(ids)
    rows = (
        _by_ids(Contact.objects, ids)
        .values_list(
            "pk", "prefix", "first_name", "middle_name", "last_name", "suffix", "display_name", "email", "phone",
            "job_title", "department", "owner_id", "team_id", "company_id", "company__name", "company__domain",
        )
        .order_by()
    )  # fmt: skip
    rows = [r for r in rows if r[0] in wanted]
    if not rows:
        return []
    found = [r[0] for r in rows]
    emails, phones = defaultdict(list), defaultdict(list)
    for contact_id, email in _by_ids(ContactEmail.objects, found, "contact_id").values_list("contact_id", "email"):
        emails[contact_id].append(email)
    for contact_id, number in _by_ids(ContactPhone.objects, found, "contact_id").values_list("contact_id", "number"):
        phones[contact_id].append(number)
    related = {}  # a company's tokens, once per batch
    docs = []
    for (pk, prefix, first, middle, last, suffix, display, email, phone, job, department, owner_id, team_id,
         company_id, company_name, company_domain) in rows:  # fmt: skip
        if company_id not in related:
            related[company_id] = company_tokens(company_name, company_domain)
        parts = contact_parts(
            prefix=prefix, first=first, middle=middle, last=last, suffix=suffix, display=display,
            emails=[email, *emails.get(pk, ())], phones=[phone, *phones.get(pk, ())], job=job, department=department,
        )  # fmt: skip
        docs.append(contact_document(pk, owner_id, team_id, parts, company_id, company_name or "", related[company_id]))
    return docs


def company_documents(ids: list[int]) -> list[Document]:
    wanted = set(ids)
    rows = [
        r
        for r in _by_ids(Company.objects, ids)
        .values_list("pk", "name", "legal_name", "domain", "phone", "owner_id", "team_id")
        .order_by()
        if r[0] in wanted
    ]
    if not rows:
        return []
    domains = defaultdict(list)
    found = [r[0] for r in rows]
    for company_id, domain in _by_ids(CompanyDomain.objects, found, "company_id").values_list("company_id", "domain"):
        domains[company_id].append(domain)
    docs = []
    for pk, name, legal_name, domain, phone, owner_id, team_id in rows:
        all_domains = _unique([domain, *domains[pk]])
        docs.append(
            Document(
                object_id=pk,
                owner_id=owner_id,
                team_id=team_id,
                title=name,
                subtitle=" · ".join(p for p in (domain, normalize.format_phone(phone)) if p),
                # Its domains identify it as well as its name does (its people have them in their emails).
                name=_unique(
                    [*text.tokens(f"{name} {legal_name}"), *(t for d in all_domains for t in text.domain_tokens(d))]
                ),
                phone=text.phone_tokens(phone) if phone else [],
            )
        )
    return docs


def _url(name: str):
    def url(object_id: int) -> str:
        try:
            return reverse(name, args=[object_id])
        except NoReverseMatch:  # the pages are not there (yet)
            return ""

    return url


def register_builtin() -> None:
    register(
        SearchType(
            "contact", 1, "Contacts", Contact, contact_documents, _url("contact_detail"), related_type="company",
            order=1, noun="Contact",
        )
    )  # fmt: skip
    register(
        SearchType(
            "company", 2, "Companies", Company, company_documents, _url("company_detail"), order=2, noun="Company"
        )
    )
