"""/api/v1/search: global search over the record types the reader may see (contacts and companies so far)."""

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from rapport.core.api_errors import problems
from rapport.core.errors import validation_error

from .. import search as search_index
from ..search import registry

router = Router(tags=["search"])

MAX_QUERY = 1000  # characters; only the first 200 are read (search.text.MAX_QUERY_CHARS)
MAX_RESULTS = 50


class SearchParams(Schema):
    q: str = Field("", max_length=MAX_QUERY, description="What to look for: names, emails, phones in any format, "
                   "domains, companies. Prefixes and small typos match.")  # fmt: skip
    types: str = Field("", max_length=200, description="Comma-separated object types (contact, company); all when "
                       "empty.")  # fmt: skip
    limit: int = Field(20, ge=1, le=MAX_RESULTS, description="At most this many results.")


class SearchHitOut(Schema):
    type: str = Field(description="The object type: contact, company.")
    id: int
    title: str
    subtitle: str
    url: str = Field(description="The record's page.")
    score: float = Field(description="Relevance between 0 and 1; results are sorted by it.")


class SearchOut(Schema):
    results: list[SearchHitOut]
    match: Literal["none", "exact", "fuzzy"] = Field(
        description="How the best result matched: `fuzzy` when only typo corrections found something."
    )


def parse_types(raw: str) -> list[str] | None:
    """The object types asked for (None: all); unknown ones are a 422."""
    names = [t.strip() for t in raw.split(",") if t.strip()]
    if not names:
        return None
    unknown = [t for t in names if t not in registry.TYPES]
    if unknown:
        known = ", ".join(registry.TYPES)
        raise validation_error({"types": f"Unknown type: {unknown[0][:40]}. Choose among: {known}."})
    return list(dict.fromkeys(names))


@router.get("/search", response={200: SearchOut, **problems(401, 422)}, operation_id="search")
def search(request: HttpRequest, params: Query[SearchParams]):
    """Records matching `q` that you may read, best first (at most `limit`)."""
    hits = search_index.search(actor=request.auth, q=params.q, types=parse_types(params.types), limit=params.limit)
    match = "none" if not hits else ("fuzzy" if hits[0].step == "fuzzy" else "exact")
    return {"results": hits, "match": match}
