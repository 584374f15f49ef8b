"""The parameters of the contact and company lists, and the description of their filter language."""

from ninja import Field, Schema


def filter_language(object_type: str) -> str:
    """The description of a list route: its filters and orderings (custom fields are added by the admins)."""
    from ..selectors import LIST_SPECS

    spec = LIST_SPECS[object_type]
    fields = ", ".join(f"`{f.key}`" for f in spec.fields)
    sortable = ", ".join(f"`{key}`" for key in spec.sortable())
    example = {
        "contact": "lifecycle_stage=lead,customer&owner=me&tags=vip&created_at__gte=2026-01-01",
        "company": "industry=software&owner=me&tags=vip&annual_revenue__gte=1000000",
    }[object_type]
    return f"""
**Filters.** Every field of the list is a filter, custom fields too (`cf.<key>`), given as query parameters:

- `field=value`: text fields contain the value (case-insensitive); choice, owner, team, tag and id fields take
  several values separated by commas, or the parameter repeated (any of them); `owner=me`, `team=my_team`.
- `field__eq=value`: exact (case-insensitive) text; `field__gte=` / `field__lte=`: from / up to, for numbers, dates
  (`YYYY-MM-DD`) and times (ISO 8601).
- `field__empty=1` (or `0`): the field is empty (or not).

The fields: {fields}.

E.g. `?{example}&cf.renewal_date__lte=2026-12-31`.
An unknown field or a value that does not fit answers 422 naming the parameter.

**Ordering.** `ordering=<field>`, or `-<field>` descending, by {sortable} or a custom field (`ordering=-cf.score`;
not multiple-choice or long-text ones); the default is `{spec.default_ordering}`. Empty values come last (first when
descending); ties are broken by id.
"""


class ListParams(Schema):
    q: str | None = Field(None, description="Search in the name.")
    ordering: str | None = Field(None, max_length=70, description="A sortable field; a leading `-` sorts descending.")
    limit: int = Field(50, ge=1, le=200, description="Rows per page, 1 to 200.")
    cursor: str | None = Field(None, description="The `next` value of the previous page.")
