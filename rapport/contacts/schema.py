"""What a contact or company record consists of: its built-in fields, the admin's custom fields and which
fields are mandatory. ``RecordSchema.load`` reads the definitions once (per request, per import run), so
cleaning a record touches the database only for the checks that need it.
"""

from dataclasses import dataclass, field

from .enums import CustomizableObject
from .models import CustomField, FieldPolicy

# Built-in fields admins may make mandatory, per object type (label for the settings page).
MANDATORY_CHOICES = {
    CustomizableObject.CONTACT: {
        "first_name": "First name",
        "last_name": "Last name",
        "email": "Email",
        "phone": "Phone",
        "company": "Company",
        "job_title": "Job title",
        "address": "Address",
        "lifecycle_stage": "Lifecycle stage",
        "lead_source": "Lead source",
        "owner": "Owner",
    },
    CustomizableObject.COMPANY: {
        "domain": "Domain",
        "industry": "Industry",
        "size_band": "Size band",
        "phone": "Phone",
        "website": "Website",
        "address": "Address",
        "owner": "Owner",
    },
}

# Key fields behind the completeness score and the data-quality page.
KEY_FIELDS = {
    CustomizableObject.CONTACT: (
        "first_name",
        "last_name",
        "email",
        "phone",
        "company",
        "job_title",
        "address",
        "lifecycle_stage",
        "owner",
    ),
    CustomizableObject.COMPANY: ("domain", "industry", "size_band", "phone", "website", "address", "owner"),
}


@dataclass
class RecordSchema:
    object_type: str
    custom_fields: list[CustomField] = field(default_factory=list)
    required: frozenset[str] = frozenset()

    @classmethod
    def load(cls, object_type: str) -> "RecordSchema":
        fields = list(CustomField.objects.filter(object_type=object_type, is_active=True).order_by("position", "id"))
        policy = FieldPolicy.objects.filter(object_type=object_type).first()
        return cls(object_type, fields, frozenset(policy.required_fields if policy else ()))

    @property
    def custom_by_key(self) -> dict[str, CustomField]:
        return {f.key: f for f in self.custom_fields}


def completeness(object_type: str, present: dict[str, bool]) -> int:
    """The share (0-100) of the object type's key fields that are filled."""
    keys = KEY_FIELDS[object_type]
    return round(100 * sum(1 for k in keys if present.get(k)) / len(keys))
