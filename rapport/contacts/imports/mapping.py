"""Where each column of an import goes: the fields a column can be mapped to, their validation, and the
automatic mapping that recognises the column names of common exports (Google Contacts, Outlook, HubSpot,
Salesforce, Pipedrive, Zoho, generic spreadsheets) and the labels and keys of custom fields.

A mapping is ``{column header: target}``. Targets are strings:

- a field: ``first_name``, ``job_title``, ``lifecycle_stage``, ``name`` (companies), ...
- a repeatable part, optionally labelled: ``email``, ``email:work``, ``phone:mobile``, ``domain``, ``tags``
  (several columns may map to these: email 1, email 2, ...);
- an address part, optionally labelled (one address per label): ``address.city``, ``address:home.street``;
- ``company`` (contacts: the company's name, found or created), ``full_name`` (split into first and last name),
  ``id`` (Rapport's record id, to match on), ``custom.<key>`` (a custom field);
- ``""``: ignored.
"""

import re
import unicodedata
from dataclasses import dataclass

from rapport.core.errors import validation_error

from ..enums import ImportMatch, ImportMode
from ..schema import RecordSchema

IGNORE = ""

ADDRESS_PARTS = {
    "street": "Street",
    "number": "House number",
    "extra": "Address line 2",
    "city": "City",
    "postcode": "Postcode",
    "region": "State / region",
    "country": "Country",
}
ADDRESS_LABELS = {"": "Address", "work": "Work address", "home": "Home address", "other": "Other address"}
EMAIL_LABELS = {"": "Email", "work": "Email (work)", "home": "Email (home)", "other": "Email (other)"}
PHONE_LABELS = {
    "": "Phone",
    "mobile": "Phone (mobile)",
    "work": "Phone (work)",
    "home": "Phone (home)",
    "other": "Phone (other)",
}
SOCIAL = {
    "website": "Website",
    "linkedin": "LinkedIn",
    "x": "X (Twitter)",
    "facebook": "Facebook",
    "instagram": "Instagram",
}

CONTACT_FIELDS = {
    "Name": {
        "prefix": "Name prefix",
        "first_name": "First name",
        "middle_name": "Middle name",
        "last_name": "Last name",
        "suffix": "Name suffix",
        "full_name": "Full name (split into first and last)",
    },
    "Work": {"company": "Company (found or created by name)", "job_title": "Job title", "department": "Department"},
    "Profile": {
        "birth_date": "Birth date",
        "language": "Language",
        "time_zone": "Time zone",
        **SOCIAL,
    },
    "Sales and marketing": {
        "lifecycle_stage": "Lifecycle stage",
        "lead_source": "Lead source",
        "stance": "Stance",
        "stance_reason": "Stance reason",
        "preferred_channel": "Preferred channel",
        "email_opt_in": "Email opt-in",
        "phone_opt_in": "Phone opt-in",
        "sms_opt_in": "SMS opt-in",
        "post_opt_in": "Post opt-in",
        "do_not_contact": "Do not contact",
    },
    "Other": {"tags": "Tags", "external_id": "External id", "id": "Rapport id"},
}

COMPANY_FIELDS = {
    "Company": {
        "name": "Name",
        "legal_name": "Legal name",
        "domain": "Domain",
        "phone": "Phone",
        "industry": "Industry",
        "size_band": "Size (band or number of employees)",
        "annual_revenue": "Annual revenue",
        "revenue_currency": "Revenue currency",
    },
    "Profiles": SOCIAL,
    "Other": {"tags": "Tags", "external_id": "External id", "id": "Rapport id"},
}

# Targets several columns may map to.
MULTI = ("email", "phone", "tags", "domain")

MATCH_CHOICES = {
    "contact": (ImportMatch.EMAIL, ImportMatch.PHONE, ImportMatch.EXTERNAL_ID, ImportMatch.ID),
    "company": (ImportMatch.DOMAIN, ImportMatch.NAME, ImportMatch.EXTERNAL_ID, ImportMatch.ID),
}
# The target a match key is read from.
MATCH_TARGET = {"email": "email", "phone": "phone", "external_id": "external_id", "id": "id", "domain": "domain"}


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    group: str


def targets(object_type: str, schema: RecordSchema) -> list[Target]:
    """Every target a column of this object type can be mapped to, grouped for a select box."""
    out = []
    fields = CONTACT_FIELDS if object_type == "contact" else COMPANY_FIELDS
    for group, names in fields.items():
        for key, label in names.items():
            out.append(Target(key, label, group))
    if object_type == "contact":
        out += [Target("email" + (f":{k}" if k else ""), v, "Email and phone") for k, v in EMAIL_LABELS.items()]
        out += [Target("phone" + (f":{k}" if k else ""), v, "Email and phone") for k, v in PHONE_LABELS.items()]
    for label, group in ADDRESS_LABELS.items():
        prefix = "address" + (f":{label}" if label else "")
        out += [Target(f"{prefix}.{part}", f"{group}: {name.lower()}", group) for part, name in ADDRESS_PARTS.items()]
    out += [Target(f"custom.{f.key}", f.label, "Custom fields") for f in schema.custom_fields]
    return out


def target_keys(object_type: str, schema: RecordSchema) -> set[str]:
    return {t.key for t in targets(object_type, schema)}


def kind_of(target: str) -> str:
    """``email:work`` -> ``email``; ``address:home.city`` -> ``address``; ``custom.plan`` -> ``custom``."""
    return re.split(r"[:.]", target, maxsplit=1)[0]


def validate(object_type: str, schema: RecordSchema, headers: list[str], mapping) -> dict[str, str]:
    """The mapping, checked: known columns, known targets, single-valued targets used once."""
    if not isinstance(mapping, dict):
        raise validation_error({"mapping": "Give the mapping as an object of column names and fields."})
    known = target_keys(object_type, schema)
    errors, used, out = {}, {}, {}
    for header, target in mapping.items():
        if header not in headers:
            errors[f"mapping.{header}"] = "There is no such column in the file."
            continue
        target = (target or "").strip() if isinstance(target, str) else target
        if target in (None, IGNORE, "ignore"):
            out[header] = IGNORE
            continue
        if not isinstance(target, str) or target not in known:
            errors[f"mapping.{header}"] = "Choose a field of the list, or ignore the column."
            continue
        if kind_of(target) not in MULTI and target in used:
            errors[f"mapping.{header}"] = f"Column {used[target]!r} is already mapped to this field."
            continue
        used.setdefault(target, header)
        out[header] = target
    if errors:
        raise validation_error(errors, message="The mapping is not valid.")
    for header in headers:
        out.setdefault(header, IGNORE)
    return {h: out[h] for h in headers}


def check_ready(object_type: str, mapping: dict[str, str], mode: str, match_on: str) -> None:
    """Refuse to start an import that cannot do anything useful."""
    used = {t for t in mapping.values() if t}
    kinds = {kind_of(t) for t in used}
    if not used:
        raise validation_error({"mapping": "Map at least one column to a field."})
    if mode in (ImportMode.UPDATE, ImportMode.UPSERT):
        if match_on not in MATCH_CHOICES[object_type]:
            raise validation_error({"match_on": "Choose how to find the records to update."})
        needed = "name" if match_on == "name" else MATCH_TARGET[match_on]
        if needed not in kinds:
            raise validation_error({"match_on": "Map a column to the field you match on."})
    if mode != ImportMode.UPDATE:
        if object_type == "contact" and not kinds & {"first_name", "last_name", "full_name", "email", "middle_name"}:
            raise validation_error({"mapping": "Map a column to a name or an email: every contact needs one."})
        if object_type == "company" and "name" not in kinds:
            raise validation_error({"mapping": "Map a column to the company name: every company needs one."})


# --- automatic mapping ------------------------------------------------------------------------------


def normalize_header(header: str) -> str:
    """``"E-mail 1 - Value"`` -> ``"email 1 value"``; ``"Country/Region"`` -> ``"country region"``."""
    text = unicodedata.normalize("NFKC", str(header)).casefold()
    text = re.sub(r"e[\s-]?mail", "email", text)
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.replace("_", " ").split())


_CONTACT_ALIASES = {
    "first_name": "first name|firstname|first|given name|givenname|forename|fname|vorname|prenom|nombre",
    "middle_name": "middle name|middlename|additional name|middle|middle initial",
    "last_name": "last name|lastname|last|family name|familyname|surname|lname|nachname|apellido|apellidos",
    "prefix": "prefix|name prefix|salutation|honorific prefix|honorific|anrede",
    "suffix": "suffix|name suffix|honorific suffix",
    "full_name": "name|full name|fullname|contact name|contact full name|display name|person name|person|"
    "contact|lead name|client name|customer name|file as",
    "email": "email|email address|emailaddress|mail|primary email|email 1|email 1 value|email 1 address|"
    "email 2|email 2 value|email 2 address|email 3|email 3 value|email 3 address|secondary email|"
    "alternate email|additional email|email addresses|emails|email id",
    "email:work": "work email|business email|email work|office email|work email address|email 1 work",
    "email:home": "home email|personal email|email home|private email|personal email address",
    "email:other": "other email|email other",
    "phone": "phone|phone number|phonenumber|telephone|telephone number|tel|primary phone|phone 1|phone 1 value|"
    "phone 2|phone 2 value|phone 3 value|main phone|contact phone|contact number|phones|direct phone|"
    "phone numbers|number",
    "phone:mobile": "mobile|mobile phone|mobile phone number|mobile number|cell|cell phone|cellphone|cell number|"
    "handy|phone mobile|mobile phone 2|portable",
    "phone:work": "work phone|business phone|office phone|phone work|business phone 2|company main phone|"
    "work phone number|direct dial",
    "phone:home": "home phone|phone home|home phone 2|private phone|personal phone",
    "phone:other": "other phone|phone other|assistant s phone|callback",
    "company": "company|company name|organization|organisation|organization name|organisation name|"
    "organization 1 name|account name|account|employer|org|business name|firm|company 1 name|associated company|"
    "primary company|firma|empresa",
    "job_title": "job title|jobtitle|title|position|job|role|organization title|organization 1 title|designation|"
    "job position|occupation|function|position title",
    "department": "department|dept|organization department|organization 1 department|division|team",
    "birth_date": "birthday|birth date|birthdate|date of birth|dob|born",
    "language": "language|preferred language|lang|locale",
    "time_zone": "time zone|timezone|tz|contact time zone",
    "website": "website|web site|web page|webpage|url|homepage|home page|website url|website 1 value|web|"
    "personal website|site",
    "linkedin": "linkedin|linkedin url|linkedin profile|linkedin profile url|linkedin bio",
    "x": "twitter|x|twitter url|twitter handle|twitter username|x handle|twitter profile",
    "facebook": "facebook|facebook url|facebook profile",
    "instagram": "instagram|instagram url|instagram handle",
    "lifecycle_stage": "lifecycle stage|lifecycle|stage|lead status|contact stage",
    "lead_source": "lead source|source|original source|contact source|lead origin|how did you hear about us",
    "stance": "stance|sentiment",
    "stance_reason": "stance reason",
    "preferred_channel": "preferred channel|preferred contact method|contact preference",
    "email_opt_in": "email opt in|email optin|email consent|email subscription|subscribed|newsletter|"
    "marketing emails|accepts marketing",
    "phone_opt_in": "phone opt in|phone consent",
    "sms_opt_in": "sms opt in|sms consent|text opt in",
    "post_opt_in": "post opt in|mail opt in|postal opt in",
    "do_not_contact": "do not contact|do not call|dnc|unsubscribed",
    "tags": "tags|tag|labels|label|categories|category|groups|group|group membership|lists|segments|keywords",
    "external_id": "external id|externalid|record id|contact id|lead id|person id|crm id|uid|ext id|source id|"
    "hubspot id|salesforce id|zoho id|pipedrive id|customer id|client id",
    "id": "id|rapport id",
}

_COMPANY_ALIASES = {
    "name": "name|company|company name|account name|account|organization|organisation|organization name|"
    "organisation name|business name|firm|org|firma|empresa",
    "legal_name": "legal name|registered name|legal company name|legal entity",
    "domain": "domain|company domain|company domain name|domain name|website domain|email domain|domains",
    "website": "website|web site|url|homepage|website url|web|site",
    "phone": "phone|phone number|telephone|main phone|company phone|business phone|office phone|tel",
    "industry": "industry|sector|vertical|industry type",
    "size_band": "size|company size|employees|number of employees|no of employees|employee count|headcount|"
    "size band|staff",
    "annual_revenue": "annual revenue|revenue|yearly revenue|turnover",
    "revenue_currency": "currency|revenue currency|currency code",
    "linkedin": "linkedin|linkedin url|linkedin company page|linkedin page",
    "x": "twitter|x|twitter handle|twitter url",
    "facebook": "facebook|facebook url|facebook page",
    "instagram": "instagram|instagram url",
    "tags": "tags|tag|labels|label|categories|category|groups|lists|segments",
    "external_id": "external id|record id|company id|account id|organization id|organisation id|crm id|ext id|"
    "source id|hubspot id|salesforce id|customer id|client id",
    "id": "id|rapport id",
}


def _alias_index(aliases: dict[str, str]) -> dict[str, str]:
    index = {}
    for target, names in aliases.items():
        for name in names.split("|"):
            index.setdefault(name, target)
    return index


ALIASES = {"contact": _alias_index(_CONTACT_ALIASES), "company": _alias_index(_COMPANY_ALIASES)}

# Address columns: an optional kind ("Business", "Home", "Mailing", "Address 1") then a part.
_ADDRESS_KIND = {
    "business": "work",
    "work": "work",
    "office": "work",
    "company": "work",
    "home": "home",
    "personal": "home",
    "private": "home",
    "other": "other",
    "mailing": "",
    "billing": "",
    "shipping": "other",
    "postal": "",
    "primary": "",
    "main": "",
    "street": "",
}
_ADDRESS_PART = {
    "street": "street",
    "street address": "street",
    "street 1": "street",
    "address": "street",
    "address line 1": "street",
    "address 1": "street",
    "address line1": "street",
    "addressline1": "street",
    "line 1": "street",
    "street 2": "extra",
    "street 3": "extra",
    "address line 2": "extra",
    "address 2": "extra",
    "address line2": "extra",
    "addressline2": "extra",
    "line 2": "extra",
    "extended address": "extra",
    "po box": "extra",
    "house number": "number",
    "street number": "number",
    "building number": "number",
    "city": "city",
    "town": "city",
    "locality": "city",
    "city town": "city",
    "zip": "postcode",
    "zip code": "postcode",
    "zipcode": "postcode",
    "postal code": "postcode",
    "postcode": "postcode",
    "post code": "postcode",
    "zip postal code": "postcode",
    "plz": "postcode",
    "state": "region",
    "province": "region",
    "region": "region",
    "county": "region",
    "state region": "region",
    "state province": "region",
    "state or province": "region",
    "country": "country",
    "country region": "country",
    "country code": "country",
    "nation": "country",
}
# "Address 1 - City" (Google), "Business Street" (Outlook), "Mailing City" (Salesforce, Zoho).
_ADDRESS_RE = re.compile(
    r"^(?:(?P<kind>" + "|".join(sorted(_ADDRESS_KIND, key=len, reverse=True)) + r")(?: address)?\s+|"
    r"address (?:\d+ )?)?(?P<part>" + "|".join(sorted(_ADDRESS_PART, key=len, reverse=True)) + r")$"
)
# Columns that describe another column (Google's "E-mail 1 - Type", "Phone 1 - Label") or repeat it.
_DESCRIPTIVE = re.compile(r"^(?:.* )?(?:type|label|formatted|formatted address|primary|is primary)$")


def _address_target(norm: str) -> str | None:
    match = _ADDRESS_RE.match(norm)
    if not match:
        return None
    kind = _ADDRESS_KIND.get(match.group("kind") or "", "")
    part = _ADDRESS_PART[match.group("part")]
    # A bare "Address" is a street line; "Street" and "Address 2" likewise.
    return "address" + (f":{kind}" if kind else "") + f".{part}"


_NUMBERED = re.compile(r"^(email|phone|mobile|tag|domain|website)s? ?\d+(?: (?:value|address|number))?$")


def _numbered(object_type: str, norm: str) -> str | None:
    """``Email 4``, ``Phone 3 - Value``, ``Tag 2``: another column of a repeatable field."""
    match = _NUMBERED.match(norm)
    if not match:
        return None
    kind = {"mobile": "phone:mobile", "tag": "tags", "website": "website"}.get(match.group(1), match.group(1))
    if object_type == "company":
        kind = {"phone": "phone", "email": None, "phone:mobile": None}.get(kind, kind)
    elif kind == "domain":
        return None
    return kind


def suggest(object_type: str, schema: RecordSchema, headers: list[str]) -> dict[str, str]:
    """A target for each header (``""`` when nothing fits): custom fields first, then known names of common
    exports, then address columns, then close spellings. Single-valued targets go to the first column only."""
    from rapidfuzz import fuzz, process

    aliases = ALIASES[object_type]
    custom = {}
    for f in schema.custom_fields:
        custom.setdefault(normalize_header(f.label), f"custom.{f.key}")
        custom.setdefault(normalize_header(f.key), f"custom.{f.key}")
    out: dict[str, str] = {}
    used: set[str] = set()
    titles = []
    for header in headers:
        norm = normalize_header(header)
        target = custom.get(norm)
        if target is None:
            if norm in ("title", "titel") and object_type == "contact":
                titles.append(header)  # job title or name prefix (Outlook): decided once the rest is known
                continue
            target = aliases.get(norm)
        if target is None and not _DESCRIPTIVE.match(norm):
            target = _address_target(norm) or _numbered(object_type, norm)
            if target is None and norm and not norm.isdigit():
                hit = process.extractOne(norm, aliases.keys(), scorer=fuzz.ratio, score_cutoff=86)
                target = aliases[hit[0]] if hit else None
        if target and (kind_of(target) in MULTI or target not in used):
            used.add(target)
            out[header] = target
        else:
            out[header] = IGNORE
    for header in titles:
        # Outlook exports both "Title" (Mr, Dr) and "Job Title"; elsewhere "Title" is the job title.
        target = "prefix" if "job_title" in used else "job_title"
        out[header] = target if target not in used else IGNORE
        used.add(target)
    return {h: out[h] for h in headers}
