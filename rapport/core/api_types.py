"""Types shared by the API's schemas and routes."""

from typing import Annotated

from pydantic import Field

# The largest primary key (BigAutoField: SQLite's and PostgreSQL's 64-bit integers). A larger number is refused with
# 422 rather than sent to the database, which cannot even compare it (SQLite raises OverflowError).
MAX_ID = 2**63 - 1

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
"""A record id, in a path (``/teams/{team_id}``), a filter (``?team_id=``) or a body (``"manager_ids": [...]``)."""
