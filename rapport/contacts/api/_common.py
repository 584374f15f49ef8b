"""What the route modules of the data hub share: the problems each kind of route documents, and small helpers."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.http import HttpRequest, HttpResponse

from rapport.core.api_errors import problems
from rapport.core.errors import validation_error

READ = problems(401, 404, 422)  # 422: an impossible id (not a positive 64-bit integer)
LIST = problems(401, 422)
CREATE = problems(401, 403, 409, 422)
WRITE = problems(401, 403, 404, 409, 412, 422)
BULK = problems(401, 403, 409, 422)


@contextmanager
def out_of_range(field: str = "__all__") -> Iterator[None]:
    """Answer 422 for a value that neither the database nor UTC can hold (a custom reference id past 2**63, a
    custom date-time in year 9999 with a negative offset, an id filter past 2**63 on SQLite): the domain's
    cleaners let those through as OverflowError for now. Whatever ran before is rolled back with its atomic block."""
    try:
        yield
    except OverflowError:
        raise validation_error({field: "A value is out of range."}) from None


def set_location(request: HttpRequest, response: HttpResponse, pk: int, base: str) -> None:
    """Point the ``Location`` header at the record just created under ``base`` (``/contacts``...)."""
    response["Location"] = f"{request.path.rsplit(base, 1)[0]}{base}/{pk}"


def list_filters(request: HttpRequest) -> dict[str, str]:
    """Every query parameter, for ListSpec.filter (which skips limit, cursor and ordering): a repeated one is
    taken as its values separated by commas, the list form of choice filters."""
    return {key: ",".join(request.GET.getlist(key)) for key in request.GET}
