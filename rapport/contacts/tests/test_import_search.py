"""Imports write the search documents of the contacts they create from the values they cleaned (built in the
worker processes): the index must hold exactly what re-indexing those contacts from the database gives."""

import pytest
from django.db import connection

from rapport.contacts import search
from rapport.contacts.search.indexing import rebuild
from tests.factories import TeamFactory, UserFactory, make_company, role

from .import_support import imports_var_dir, run_import, upload  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db

HEADER = "Prefix,First Name,Last Name,E-mail Address,E-mail 2 Address,Mobile Phone,Company,Job Title,Department\n"


def _documents() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, object_type, object_id, owner_id, team_id, related_id, title, subtitle, name, contact, phone, "
            "related, extra FROM contacts_searchdoc ORDER BY id"
        )
        return cursor.fetchall()


@pytest.mark.parametrize("workers", [0, 2])
def test_imported_contacts_are_indexed_as_reindexing_them_would(settings, workers):
    settings.IMPORT_BATCH_SIZE = 7
    settings.IMPORT_WORKERS = workers
    settings.IMPORT_POOL_MIN_ROWS = 1
    admin = UserFactory(role=role("admin"), team=TeamFactory(name="North"))
    make_company(admin, name="Globex", domains=["globex.example"])  # an existing company with a domain
    rows = [
        "Dr,Ada,Lovelace,Ada.Lovelace@Analytical.example,ada@home.test,(415) 555-2671,ACME,CTO,Research",
        ",JEAN-LUC,van der berg,jl@globex.example,,+33 6 12 34 56 78,globex,,",
        ",,,only@email.example,,,,,",
        ",Zoë,O'Brien,,,+44 20 7123 4567,New Co,Head of Sales,",
        ",Bad,Row,not-an-email,,,,,",
        *(f",P{i},Q{i},p{i}@x.test,,+1 415 555 {1000 + i},Co{i % 3},Job {i},Dept" for i in range(20)),
    ]
    job = run_import(admin, upload(admin, HEADER + "".join(r + "\n" for r in rows)))
    assert (job.created_count, job.failed_count) == (len(rows) - 1, 1)
    imported = _documents()
    assert len([d for d in imported if d[1] == "contact"]) == len(rows) - 1
    rebuild()
    assert _documents() == imported
    hits = search.search(actor=admin, q="globex", types=["contact"], limit=5)
    assert [hit.title for hit in hits] == ["Jean-Luc Van der Berg"]
