"""Global search pages: the results page (``/search/?q=``, where the header's search box goes without
JavaScript or on Enter) and the typeahead fragment the search box shows as you type (``/search/suggest/``)."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_safe

from .. import search as search_index
from ..search import registry
from ..search.engine import group_by_type

PAGE_RESULTS = 50
SUGGESTIONS = 8
MAX_QUERY = 1000
LIST_URLS = {"contact": "contact_list", "company": "company_list"}  # where "all matching ..." leads


def _query(request) -> str:
    return request.GET.get("q", "")[:MAX_QUERY]


def _list_url(object_type: str, q: str) -> str:
    try:
        return reverse(LIST_URLS[object_type]) + "?" + urlencode({"q": q})
    except (KeyError, NoReverseMatch):
        return ""


@require_safe
@login_required
def search_page(request):
    q = _query(request)
    active = request.GET.get("type", "")
    if active not in registry.TYPES:
        active = ""
    hits = []
    if q.strip():
        hits = search_index.search(actor=request.user, q=q, types=[active] if active else None, limit=PAGE_RESULTS)
    groups = group_by_type(hits)
    sections = [
        {"type": t, "hits": groups[t.key], "list_url": _list_url(t.key, q)}
        for t in registry.ordered()
        if t.key in groups
    ]
    tabs = [{"key": "", "label": "All", "url": "?" + urlencode({"q": q}), "current": not active}]
    tabs += [
        {"key": t.key, "label": t.label, "url": "?" + urlencode({"q": q, "type": t.key}), "current": active == t.key}
        for t in registry.ordered()
    ]
    context = {
        "q": q,
        "active": active,
        "hits": hits,
        "sections": sections,
        "tabs": tabs,
        "fuzzy": bool(hits) and hits[0].step == "fuzzy",
        "limited": len(hits) >= PAGE_RESULTS,
    }
    if request.htmx and request.htmx.target == "search-results":
        return render(request, "contacts/search_results.html", context)
    return render(request, "contacts/search.html", context)


@require_safe
@login_required
def search_suggest(request):
    """The typeahead's listbox: a few best results and a link to all of them (from two characters on)."""
    q = _query(request)
    if len(q.strip()) < 2:
        q = ""
    hits = search_index.search(actor=request.user, q=q, limit=SUGGESTIONS) if q else []
    types = {t.key: t for t in registry.ordered()}
    context = {
        "q": q,
        "hits": [(hit, types[hit.type]) for hit in hits],
        "page_url": reverse("search") + "?" + urlencode({"q": q}),
    }
    return render(request, "contacts/search_suggest.html", context)


urlpatterns = [
    path("search/", search_page, name="search"),
    path("search/suggest/", search_suggest, name="search_suggest"),
]
