"""Reading import files: encodings, delimiters, quotes, ragged and huge rows, Excel, vCards, and files that are
not what they claim. Every problem is a clear error, per row where it is the row's fault."""

import codecs
import csv
import io
import resource
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.contacts.imports import readers, vcard
from rapport.contacts.imports.readers import FileProblem, RowError


def write(tmp_path, data: bytes, name: str = "file.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read_all(path, file_format="csv", **kwargs):
    reader = readers.open_reader(path, file_format, **kwargs)
    return reader, list(reader.rows())


# --- CSV ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("cp1252", None), ("latin-1", None)],
)
def test_encodings_are_detected(tmp_path, encoding, expected):
    text = "Name;City\nZoë Müller;Zürich\nFrançois Duchêne;Besançon\nSøren Åberg;Malmö\n" * 20
    reader, rows = read_all(write(tmp_path, text.encode(encoding)))
    if expected:
        assert reader.encoding == codecs.lookup(expected).name
    assert reader.headers == ["Name", "City"]
    assert reader.delimiter == ";"
    assert rows[0] == (2, ["Zoë Müller", "Zürich"])
    assert rows[1][1] == ["François Duchêne", "Besançon"]


def test_a_byte_order_mark_is_not_part_of_the_first_header(tmp_path):
    reader, rows = read_all(write(tmp_path, codecs.BOM_UTF8 + b"Email,Name\na@x.test,Ada\n"))
    assert reader.headers == ["Email", "Name"]
    assert rows == [(2, ["a@x.test", "Ada"])]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_detected(tmp_path, delimiter):
    lines = [["First name", "Last name", "Note"], ["Ada", "Lovelace", "a, b; c | d"], ["Alan", "Turing", ""]]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(lines)
    reader, rows = read_all(write(tmp_path, buffer.getvalue().encode()))
    assert reader.delimiter == delimiter
    assert [cells for _, cells in rows] == lines[1:]


def test_quotes_and_line_breaks_inside_cells(tmp_path):
    data = 'Name,Note\n"Lovelace, Ada","She said ""hello""\nand left"\nBob,plain\n'
    _, rows = read_all(write(tmp_path, data.encode()))
    assert rows == [(2, ["Lovelace, Ada", 'She said "hello"\nand left']), (3, ["Bob", "plain"])]


def test_ragged_rows_are_reported_one_by_one(tmp_path):
    data = "a,b,c\n1,2,3\n1,2\n1,2,3,4\n1,2,3,\n\n5,6,7\n"
    _, rows = read_all(write(tmp_path, data.encode()))
    assert rows[0] == (2, ["1", "2", "3"])
    assert isinstance(rows[1][1], RowError) and "2 cells" in rows[1][1].message
    assert isinstance(rows[2][1], RowError) and "4 cells" in rows[2][1].message
    assert rows[3] == (5, ["1", "2", "3"])  # an empty cell after the last column is no harm
    assert rows[4] == (7, ["5", "6", "7"])  # blank lines are skipped, row numbers stay the file's


def test_bytes_of_another_encoding_fail_their_row_only(tmp_path):
    data = "Name,City\nAda,Zürich\n".encode() + "Zoë,Zürich\n".encode("cp1252") + "Søren,Malmö\n".encode() * 20
    reader, rows = read_all(write(tmp_path, data))
    assert reader.encoding == "utf-8"
    assert rows[0] == (2, ["Ada", "Zürich"])
    assert isinstance(rows[1][1], RowError) and "utf-8" in rows[1][1].message
    assert rows[2] == (4, ["Søren", "Malmö"])
    assert len(rows) == 22


def test_the_encoding_can_be_chosen(tmp_path):
    path = write(tmp_path, "Name\nZoë\n".encode("cp1252") * 1)
    _, rows = read_all(path, encoding="cp1252")
    assert rows == [(2, ["Zoë"])]
    with pytest.raises(FileProblem):
        readers.open_reader(path, "csv", encoding="no-such-encoding")


def test_a_huge_cell_fails_its_row_without_taking_the_memory(tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "w", encoding="utf-8") as f:
        f.write("Name,Note\nAda,short\n")
        f.write("Bob," + "x" * (50 * 1024 * 1024) + "\n")  # one 50 MB cell on one line
        f.write('Carl,"' + ("y" * 1000 + "\n") * 200 + '"\n')  # a 200 KB quoted cell over many lines
        f.write("Dora,fine\n")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _, rows = read_all(path)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert rows[0] == (2, ["Ada", "short"])
    assert isinstance(rows[1][1], RowError) and "longer than 1 MB" in rows[1][1].message
    assert isinstance(rows[2][1], RowError) and "128 KB" in rows[2][1].message
    assert rows[-1][1] == ["Dora", "fine"]
    assert grown_mb < 40


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "not a text file"),
    ],
)
def test_files_that_are_not_csv_are_refused(tmp_path, data, message):
    with pytest.raises(FileProblem) as exc:
        readers.open_reader(write(tmp_path, data), "csv")
    assert message in exc.value.message


def test_a_header_only_file_has_no_rows(tmp_path):
    reader = readers.open_reader(write(tmp_path, b"Name,Email\n"), "csv")
    assert reader.headers == ["Name", "Email"] and not reader.has_rows() and reader.count() == 0


def test_headers_are_made_unique_and_never_empty(tmp_path):
    reader = readers.open_reader(write(tmp_path, b"Email,,email, Name \n1,2,3,4\n"), "csv")
    assert reader.headers == ["Email", "Column 2", "email (2)", "Name"]


def test_formulas_are_plain_text(tmp_path):
    _, rows = read_all(write(tmp_path, b'Name,Note\n=HYPERLINK("http://x"),"=1+1"\n'))
    assert rows == [(2, ['=HYPERLINK("http://x")', "=1+1"])]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000))
def test_any_bytes_give_rows_or_a_clear_error(tmp_path, data):
    """Whatever the file holds, reading it gives rows of the header's width, row errors, or FileProblem."""
    path = write(tmp_path, data)
    try:
        reader = readers.open_reader(path, "csv")
    except FileProblem as exc:
        assert exc.message
        return
    width = len(reader.headers)
    numbers = []
    for number, row in reader.rows():
        numbers.append(number)
        assert isinstance(row, RowError) or (isinstance(row, list) and len(row) == width)
    assert numbers == sorted(set(numbers))


cell = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00\r"), max_size=30)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=15),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_what_a_csv_writer_writes_is_read_back(tmp_path, rows, delimiter, encoding):
    buffer = io.StringIO()
    out = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_ALL)
    out.writerow(["Alpha", "Beta", "Gamma"])
    out.writerows(rows)
    _, read = read_all(write(tmp_path, buffer.getvalue().encode(encoding)), delimiter=delimiter)
    expected = [r for r in rows if any(c.strip() for c in r)]
    assert [cells for _, cells in read] == expected


# --- Excel -------------------------------------------------------------------------------------------------------


def test_xlsx_rows_are_streamed_with_values_as_text(tmp_path):
    import datetime

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([None])
    sheet.append(["First name", "Phone", "Birthday", "Score", "VIP", "Formula"])
    sheet.append(["Ada", 4155552671, datetime.datetime(1815, 12, 10), 1.5, True, "=A3&B3"])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["Alan"])
    path = tmp_path / "people.xlsx"
    book.save(path)
    reader, rows = read_all(path, "xlsx")
    assert reader.headers == ["First name", "Phone", "Birthday", "Score", "VIP", "Formula"]
    assert rows[0] == (3, ["Ada", "4155552671", "1815-12-10", "1.5", "true", "=A3&B3"])
    assert rows[1] == (5, ["Alan", "", "", "", "", ""])


def test_files_that_are_not_xlsx_are_refused(tmp_path):
    with pytest.raises(FileProblem) as exc:
        readers.open_reader(write(tmp_path, b"Name\nAda\n", "x.xlsx"), "xlsx")
    assert "not a zip" in exc.value.message
    fake = tmp_path / "fake.xlsx"
    with zipfile.ZipFile(fake, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    with pytest.raises(FileProblem) as exc:
        readers.open_reader(fake, "xlsx")
    assert "cannot be read" in exc.value.message
    with pytest.raises(FileProblem) as exc:
        readers.detect_format(write(tmp_path, b"Name\n", "people.xlsx"), "people.xlsx")
    assert ".xlsx" in exc.value.message
    with pytest.raises(FileProblem):
        readers.detect_format(
            write(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls"), "old.xls"
        )


def test_formats_are_told_by_content(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["Name"])
    book.save(tmp_path / "book.bin")
    assert readers.detect_format(tmp_path / "book.bin", "export.xlsx") == "xlsx"
    assert readers.detect_format(write(tmp_path, b"BEGIN:VCARD\r\nVERSION:3.0\r\n"), "contacts.txt") == "vcf"
    assert readers.detect_format(write(tmp_path, b"a,b\n"), "data.txt") == "csv"


# --- vCard -------------------------------------------------------------------------------------------------------

VCARDS = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lovelace;Ada;King;Countess;\r\nFN:Ada Lovelace\r\nORG:Analytical Engines;R&D\r\n"
    "TITLE:Mathematician\r\nEMAIL;TYPE=INTERNET,WORK:ada@engines.test\r\nEMAIL;TYPE=HOME,PREF:ada@home.test\r\n"
    "TEL;TYPE=CELL:+44 20 7946 0958\r\nTEL;TYPE=WORK,VOICE:(415) 555-2671\r\n"
    "ADR;TYPE=WORK:;;12 St James's Square;London;;SW1Y 4JH;United Kingdom\r\nBDAY:1815-12-10\r\n"
    "URL:https://engines.test\r\nX-SOCIALPROFILE;TYPE=linkedin:https://www.linkedin.com/in/ada\r\n"
    "CATEGORIES:VIP,Math\r\nNOTE:Met at the salon\r\n"
    "PHOTO;ENCODING=b;TYPE=JPEG:" + "A" * 5000 + "\r\n " + "B" * 5000 + "\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Alan Turing\r\nN:Turing;Alan;;;\r\nEMAIL:alan@bletchley.test\r\n"
    'TEL;VALUE=uri;TYPE="voice,home":tel:+44-1625-000000\r\nBDAY:--0623\r\nEND:VCARD\r\n'
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Broken\r\nEMAIL;TYPE=\r\n:::\r\nBDAY;VALUE=date:this is :: not\r\n"
    "item1.X-BROKEN;;;:\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cut short\r\n"
)


def test_vcards_are_read_card_by_card(tmp_path):
    reader, rows = read_all(write(tmp_path, VCARDS.encode(), "people.vcf"), "vcf")
    assert reader.headers[:3] == ["N", "FN", "NICKNAME"]
    (n1, ada), (n2, alan) = rows[0], rows[1]
    assert (n1, n2) == (1, 2)
    assert ada.props["N"][0][0] == ("Lovelace", "Ada", "King", "Countess", "")
    assert [v for v, _ in ada.props["EMAIL"]] == ["ada@engines.test", "ada@home.test"]
    assert "pref" in ada.props["EMAIL"][1][1]
    assert ada.props["ORG"][0][0] == ("Analytical Engines", "R&D")
    assert "PHOTO" not in ada.props
    assert alan.props["FN"][0][0] == "Alan Turing"
    assert isinstance(rows[-1][1], RowError) and "END:VCARD" in rows[-1][1].message


def test_a_file_without_vcards_is_refused(tmp_path):
    with pytest.raises(FileProblem):
        readers.open_reader(write(tmp_path, b"hello\n", "x.vcf"), "vcf")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.text(max_size=400))
def test_any_card_body_gives_a_card_or_a_row_error(tmp_path, body):
    path = write(tmp_path, f"BEGIN:VCARD\r\nVERSION:3.0\r\n{body}\r\nEND:VCARD\r\n".encode(), "x.vcf")
    try:
        _, rows = read_all(path, "vcf")
    except FileProblem as exc:  # e.g. mostly NUL bytes: not a text file
        assert exc.message
        return
    assert len(rows) >= 1
    for _number, card in rows:
        assert isinstance(card, vcard.Card | RowError)
