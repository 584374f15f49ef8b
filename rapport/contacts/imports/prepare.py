"""From a row of the file to cleaned values, without touching the database: the mapping turns the row into the
payload the services take, ``clean_contact``/``clean_company`` clean it (the one normalization of Rapport), and
what the services derive on create (display name, completeness, required fields) is computed with their
functions. Pure and picklable, so big imports run it in worker processes.

``prepare(plan, number, row)`` returns ``Ready(number, values, company, record_id)`` or ``Failed(number,
message)``; ``values`` is the partial cleaned payload (only what the row gives) plus, for creates, the
derived ``_create`` dict of column values.
"""

from functools import lru_cache
from types import SimpleNamespace
from typing import NamedTuple

from django.db import connection
from django.utils import timezone

from .. import normalize
from ..clean import COMPANY_SCALARS, CONTACT_SCALARS, clean_company, clean_contact
from ..enums import ImportMode, SizeBand
from ..normalize import Invalid
from ..schema import RecordSchema, completeness
from ..search.documents import ContactParts, contact_parts
from .mapping import IGNORE, kind_of
from .readers import RowError
from .vcard import Card


class Failed(NamedTuple):
    number: int
    message: str


class ContactCreate(NamedTuple):
    """What creating one contact writes, derived from a row (``derive_contact``)."""

    values: tuple  # the contact's columns, in ``plan.create_columns`` order
    emails: tuple  # (email, label, is_primary), ...
    phones: tuple  # (number, display, label, is_primary), ...
    addresses: tuple  # in ``ADDRESS_COLUMNS`` order, each
    tags: tuple  # tag names
    external_id: str
    score_alone: int  # the completeness without the company (for a row whose company cannot be created)
    parts: ContactParts  # of its search document


class CompanyCreate(NamedTuple):
    """What creating one company writes, derived from a row (``derive_company``)."""

    values: tuple
    domains: tuple  # (domain, is_primary), ...
    addresses: tuple
    tags: tuple
    external_id: str


class Ready(NamedTuple):
    number: int
    values: dict | None  # the cleaned partial payload (None when the import only creates and needs no more)
    company: str  # contacts: the cleaned company name ("" for none)
    record_id: int | None  # the "id" column, for matching on Rapport's id
    create: ContactCreate | CompanyCreate | None = None  # what a create writes (None: not a create)


CONTACT_DEFAULTS = {name: (None if name == "birth_date" else CONTACT_SCALARS[name](None)) for name in CONTACT_SCALARS}
COMPANY_DEFAULTS = {name: COMPANY_SCALARS[name](None) for name in COMPANY_SCALARS}
# The scalar fields a vCard can fill.
VCARD_FIELDS = ("first_name", "last_name", "middle_name", "prefix", "suffix", "department", "job_title", "birth_date",
                "website", "linkedin", "x", "facebook", "instagram", "language", "time_zone", "external_id")  # fmt: skip
_BANDS = [(10, SizeBand.S1), (50, SizeBand.S2), (200, SizeBand.S3), (500, SizeBand.S4), (1000, SizeBand.S5)]


def size_band(value: str) -> str:
    """A number of employees (``"250"``, ``"1,200"``) as its band; anything else as it is."""
    digits = value.replace(",", "").replace(" ", "").replace(".", "")
    if not digits.isdigit():
        return value
    count = int(digits)
    return next((band for limit, band in _BANDS if count <= limit), SizeBand.S6 if count <= 5000 else SizeBand.S7)


def split_full_name(text: str) -> tuple[str, str]:
    """``"Ada Lovelace"`` -> (Ada, Lovelace); ``"Lovelace, Ada"`` -> (Ada, Lovelace); one word is a first name."""
    text = " ".join(text.split())
    if "," in text:
        last, _, first = text.partition(",")
        return first.strip(), last.strip()
    first, _, last = text.rpartition(" ")
    return (first, last) if first else (last, "")


def _split_multi(value: str) -> list[str]:
    """Several values in one cell: ``a@x.com; b@y.com`` or Google's ``a ::: b``."""
    if ";" not in value and ":::" not in value and "," not in value:
        return [value]
    return [v for v in (p.strip() for p in value.replace(":::", ";").replace(",", ";").split(";")) if v]


def _split_phones(value: str) -> list[str]:
    if ";" not in value and ":::" not in value:
        return [value]
    return [v for v in (p.strip() for p in value.replace(":::", ";").split(";")) if v]


@lru_cache(maxsize=65536)
def clean_company_name(value: str) -> str:
    return normalize.clean_name(value, max_length=200)


class Plan:
    """A compiled mapping: where each column goes, and what the rows are cleaned against."""

    def __init__(self, *, object_type: str, file_format: str, headers: list[str], mapping: dict[str, str],
                 schema: RecordSchema, mode: str, owner_id: int | None, actor_id: int | None = None):  # fmt: skip
        self.object_type = object_type
        self.file_format = file_format
        self.headers = list(headers)
        self.mapping = dict(mapping)
        self.schema = schema
        self.mode = mode
        self.owner_id = owner_id
        self.actor_id = actor_id
        self.creates = mode != ImportMode.UPDATE
        self.clean = clean_contact if object_type == "contact" else clean_company
        self.scalars, self.emails, self.phones, self.domains, self.tags, self.custom = [], [], [], [], [], []
        self.addresses: dict[str, list] = {}
        self.company = self.full_name = self.id_column = None
        self.width = len(self.headers)
        self.vendor = connection.vendor
        if file_format != "vcf":  # vCards are read property by property (vcard.card_payload)
            self._compile()
        self._columns()

    def _compile(self) -> None:
        for index, header in enumerate(self.headers):
            target = self.mapping.get(header) or IGNORE
            if not target:
                continue
            kind = kind_of(target)
            label = target.split(":", 1)[1].split(".", 1)[0] if ":" in target else ""
            if kind == "email":
                self.emails.append((index, label))
            elif kind == "phone" and self.object_type == "contact":
                self.phones.append((index, label))
            elif kind == "domain":
                self.domains.append(index)
            elif kind == "tags":
                self.tags.append(index)
            elif kind == "address":
                self.addresses.setdefault(label, []).append((index, target.rsplit(".", 1)[1]))
            elif kind == "custom":
                self.custom.append((index, target.split(".", 1)[1]))
            elif target == "company":
                self.company = index
            elif target == "full_name":
                self.full_name = index
            elif target == "id":
                self.id_column = index
            else:
                self.scalars.append((index, target))

    def _columns(self) -> None:
        """The columns a created record's row carries (the others are the same for every row)."""
        defaults = CONTACT_DEFAULTS if self.object_type == "contact" else COMPANY_DEFAULTS
        if self.file_format == "vcf":
            names = set(VCARD_FIELDS) | {t for t in self.mapping.values() if t in defaults}
        else:
            names = {name for _, name in self.scalars}
            if self.full_name is not None:
                names |= {"first_name", "last_name"}
        self.touched = [n for n in defaults if n in names]
        self.with_custom = bool(self.custom) or any((t or "").startswith("custom.") for t in self.mapping.values())
        self.keep_values = (
            not self.creates
            or self.mode != ImportMode.CREATE
            or any(f.field_type == "reference" for f in self.schema.custom_fields)
        )
        if self.object_type == "contact":
            columns = [*self.touched, "display_name", "email", "phone", "completeness"]
            columns += ["custom"] * self.with_custom
            columns += ["lifecycle_dates"] * ("lifecycle_stage" in self.touched)
            columns += ["stance_set_by_id", "stance_set_at"] * ("stance" in self.touched)
        else:
            columns = ["name", *(n for n in self.touched if n != "name"), "phone", "phone_display", "domain",
                       "completeness"]  # fmt: skip
            columns += ["custom"] * self.with_custom
        self.create_columns = list(dict.fromkeys(columns))

    # --- rows to payloads ---------------------------------------------------------------------------------

    def payload(self, cells: list[str]) -> tuple[dict, str, str]:
        """The service payload of a row (only its non-empty cells), the company name and the id cell."""
        data = {}
        for index, name in self.scalars:
            value = cells[index]
            if value and not value.isspace():
                data[name] = size_band(value) if name == "size_band" else value
        if self.full_name is not None:
            value = cells[self.full_name]
            if value and not value.isspace():
                first, last = split_full_name(value)
                if "first_name" not in data and "last_name" not in data:
                    data["first_name"] = first
                    if last:
                        data["last_name"] = last
        if self.emails:
            emails = []
            for index, label in self.emails:
                value = cells[index]
                if value and not value.isspace():
                    emails += [{"email": v, "label": label} for v in _split_multi(value)]
            if emails:
                data["emails"] = emails
        if self.phones:
            phones = []
            for index, label in self.phones:
                value = cells[index]
                if value and not value.isspace():
                    phones += [{"number": v, "label": label} for v in _split_phones(value)]
            if phones:
                data["phones"] = phones
        if self.domains:
            domains = [v for i in self.domains if cells[i] and not cells[i].isspace() for v in _split_multi(cells[i])]
            if domains:
                data["domains"] = domains
        if self.addresses:
            addresses = []
            for label, parts in self.addresses.items():
                address = {part: cells[i] for i, part in parts if cells[i] and not cells[i].isspace()}
                if address:
                    address["label"] = label
                    addresses.append(address)
            if addresses:
                data["addresses"] = addresses
        if self.tags:
            tags = [cells[i] for i in self.tags if cells[i] and not cells[i].isspace()]
            if tags:
                data["tags"] = ",".join(tags)
        if self.custom:
            custom = {key: cells[i] for i, key in self.custom if cells[i] and not cells[i].isspace()}
            if custom:
                data["custom"] = custom
        company = cells[self.company] if self.company is not None else ""
        record_id = cells[self.id_column] if self.id_column is not None else ""
        return data, company, record_id

    def card_payload(self, card: Card) -> tuple[dict, str, str]:
        from .vcard import card_payload

        return card_payload(self, card)

    # --- error messages -----------------------------------------------------------------------------------

    def sources(self, cells: list[str]) -> dict[str, list[str]]:
        """The column each item of the payload's lists came from (for error messages; not on the fast path)."""
        out: dict[str, list[str]] = {"emails": [], "phones": [], "domains": [], "addresses": []}
        for key, columns, split in (("emails", self.emails, _split_multi), ("phones", self.phones, _split_phones)):
            for index, _label in columns:
                value = cells[index]
                if value and not value.isspace():
                    out[key] += [self.headers[index]] * len(split(value))
        for index in self.domains:
            if cells[index] and not cells[index].isspace():
                out["domains"] += [self.headers[index]] * len(_split_multi(cells[index]))
        for _label, parts in self.addresses.items():
            if any(cells[i] and not cells[i].isspace() for i, _ in parts):
                out["addresses"].append({part: self.headers[i] for i, part in parts})
        return out

    def column_of(self, field: str) -> str:
        """The column (or vCard property) an error of ``clean_*`` is about, for the report."""
        base = field.split("[", 1)[0].split(".", 1)[0]
        if self.file_format == "vcf":
            props = {"emails": "EMAIL", "phones": "TEL", "addresses": "ADR", "tags": "CATEGORIES", "company": "ORG"}
            if base in props:
                return props[base]
            return next((p for p, t in self.mapping.items() if t == field), field)
        wanted = {"emails": "email", "phones": "phone", "domains": "domain", "addresses": "address"}.get(base)
        if field.startswith("custom."):
            wanted_target = field
        elif wanted == "address" and "." in field:
            part = field.rsplit(".", 1)[1]
            return next(
                (h for h, t in self.mapping.items() if t and kind_of(t) == "address" and t.endswith(part)), field
            )
        elif wanted:
            return ", ".join(h for h, t in self.mapping.items() if t and kind_of(t) == wanted) or field
        else:
            wanted_target = field
        return next((h for h, t in self.mapping.items() if t == wanted_target), field)


def describe(plan: Plan, errors: dict, row=None) -> str:
    """The errors of a row, each named by the column it comes from: ``E-mail 2 Address: Enter a valid...``."""
    sources = plan.sources(row) if isinstance(row, list) else {}

    def column(field: str) -> str:
        base, _, rest = field.partition("[")
        if base in sources and rest:
            index, _, part = rest.partition("]")
            if index.isdigit() and int(index) < len(sources[base]):
                source = sources[base][int(index)]
                if isinstance(source, dict):  # an address: the column of the part
                    return source.get(part.lstrip("."), ", ".join(source.values()))
                return source
        return plan.column_of(field)

    return " ".join(f"{column(field)}: {message}" for field, message in errors.items())


def prepare(plan: Plan, number: int, row) -> Ready | Failed:
    """One row of the file, cleaned (and, for creates, with what the services derive)."""
    if isinstance(row, RowError):
        return Failed(number, row.message)
    if isinstance(row, Card):
        data, company, raw_id = plan.card_payload(row)
    else:
        data, company, raw_id = plan.payload(row)
    if not data and not company and not raw_id:
        return Failed(number, "The row has no value in any mapped column.")
    values, errors = plan.clean(data, schema=plan.schema, partial=True)
    record_id = None
    if raw_id:
        text = raw_id.strip()
        if text.isdigit() and 0 < int(text) < 2**63:
            record_id = int(text)
        else:
            errors["id"] = "Give the record's Rapport id (a whole number)."
    if company:
        try:
            company = clean_company_name(company)
        except Invalid as exc:
            errors["company"] = str(exc)
    if errors:
        return Failed(number, describe(plan, errors, row))
    create = None
    if plan.creates:
        derive = derive_contact if plan.object_type == "contact" else derive_company
        create = derive(plan, values, company)
        if isinstance(create, dict):
            return Failed(number, describe(plan, create, row))
    return Ready(number, values if plan.keep_values else None, company, record_id, create)


def _primary(items, key: str) -> str:
    return next((i[key] for i in items if i.get("is_primary")), items[0][key] if items else "")


class _Shape(SimpleNamespace):
    """The attributes of a record the services' completeness check reads."""


def _adapt(plan: Plan, value):
    """A date, time or JSON value as the database takes it in a bulk insert (see bulk.Bulk.value)."""
    from .bulk import Bulk

    return Bulk.adapt(plan.vendor, value)


def _addresses(addresses) -> tuple:
    return tuple(
        (a["label"], a["street"], a["number"], a["extra"], a["city"], a["postcode"], a["region"], a["country"],
         a["is_primary"])
        for a in addresses
    )  # fmt: skip


def derive_contact(plan: Plan, values: dict, company: str) -> ContactCreate | dict:
    """What ``contact_create`` would store, as rows of bulk inserts; or the errors."""
    from ..services import _records
    from ..services.contacts import _present

    get = values.get
    emails, phones, addresses = get("emails") or (), get("phones") or (), get("addresses") or ()
    email = _primary(emails, "email")
    name = get("display_name") or normalize.display_name(
        prefix=get("prefix", ""), first=get("first_name", ""), middle=get("middle_name", ""),
        last=get("last_name", ""), suffix=get("suffix", ""),
    )  # fmt: skip
    if not name:
        if not email:
            return {"first_name": "Give at least a name or an email address."}
        name = email
    custom = {k: v for k, v in get("custom", {}).items() if v is not None}
    shape = _Shape(owner_id=plan.owner_id, first_name=get("first_name", ""), last_name=get("last_name", ""),
                   job_title=get("job_title", ""), lifecycle_stage=get("lifecycle_stage", ""),
                   lead_source=get("lead_source", ""))  # fmt: skip
    present = _present(
        shape, emails=emails, phones=phones, addresses=addresses, companies=(company,) if company else ()
    )
    if plan.schema.required or plan.schema.custom_fields:
        errors = _records.check_required(plan.schema, present, custom)
        if errors:
            return errors
    score = completeness("contact", present)
    alone = completeness("contact", {**present, "company": False}) if company else score
    row = {n: get(n, CONTACT_DEFAULTS[n]) for n in plan.touched}
    if "birth_date" in row:
        row["birth_date"] = _adapt(plan, row["birth_date"])
    row.update(display_name=name, email=email, phone=_primary(phones, "number"), completeness=score)
    if plan.with_custom:
        row["custom"] = _adapt(plan, custom)
    if "lifecycle_stage" in row:
        stage = row["lifecycle_stage"]
        row["lifecycle_dates"] = _adapt(plan, {stage: timezone.localdate().isoformat()} if stage else {})
    if "stance" in row:
        stance = bool(row["stance"])
        row["stance_set_by_id"] = plan.actor_id if stance else None
        row["stance_set_at"] = _adapt(plan, timezone.now()) if stance else None
    return ContactCreate(
        tuple(row[c] for c in plan.create_columns),
        tuple((e["email"], e["label"], e["is_primary"]) for e in emails),
        tuple((p["number"], p["display"], p["label"], p["is_primary"]) for p in phones),
        _addresses(addresses),
        tuple(get("tags") or ()),
        get("external_id", ""),
        alone,
        contact_parts(
            prefix=row.get("prefix", ""), first=row.get("first_name", ""), middle=row.get("middle_name", ""),
            last=row.get("last_name", ""), suffix=row.get("suffix", ""), display=name,
            emails=[e["email"] for e in emails], phones=[p["number"] for p in phones],
            job=row.get("job_title", ""), department=row.get("department", ""),
        ),
    )  # fmt: skip


def derive_company(plan: Plan, values: dict, company: str = "") -> CompanyCreate | dict:
    """What ``company_create`` would store, as rows of bulk inserts; or the errors."""
    from ..services import _records
    from ..services.companies import _present

    get = values.get
    if not get("name"):
        return {"name": "This field is required."}
    domains, addresses = get("domains") or (), get("addresses") or ()
    custom = {k: v for k, v in get("custom", {}).items() if v is not None}
    row = {n: get(n, COMPANY_DEFAULTS[n]) for n in plan.touched}
    row.update(name=get("name"), phone=get("phone", ""), phone_display=get("phone_display", ""),
               domain=_primary(domains, "domain"))  # fmt: skip
    shape = _Shape(owner_id=plan.owner_id, domain=row["domain"], phone=row["phone"],
                   **{k: get(k, "") for k in ("industry", "size_band", "website")})  # fmt: skip
    present = _present(shape, addresses=addresses)
    errors = _records.check_required(plan.schema, present, custom)
    if errors:
        return errors
    row["completeness"] = completeness("company", present)
    if "annual_revenue" in row:
        row["annual_revenue"] = _adapt(plan, row["annual_revenue"])
    if plan.with_custom:
        row["custom"] = _adapt(plan, custom)
    return CompanyCreate(
        tuple(row[c] for c in plan.create_columns),
        tuple((d["domain"], d["is_primary"]) for d in domains),
        _addresses(addresses),
        tuple(get("tags") or ()),
        get("external_id", ""),
    )


# --- worker processes -----------------------------------------------------------------------------------------

_PLAN: Plan | None = None


def init_worker(plan: Plan) -> None:
    global _PLAN
    _PLAN = plan


def prepare_chunk(rows: list) -> list:
    """For a pool of worker processes: a chunk of ``(number, row)`` prepared with the plan given at start."""
    plan = _PLAN
    return [prepare(plan, number, row) for number, row in rows]
