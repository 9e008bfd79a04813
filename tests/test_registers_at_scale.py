"""Registers as people keep them: spreadsheets, CSV streamed into the store, and an on-disk store."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from itops.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
REGISTER = EXAMPLES / "register.csv"


def register_rows() -> list[list[str]]:
    with REGISTER.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_xlsx(path: Path, rows: list[list[str]], *, sheet: str = "Register") -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    book.save(path)


def write_ods(path: Path, rows: list[list[str]], *, sheet: str = "Register") -> None:
    """A minimal OpenDocument spreadsheet (what LibreOffice Calc saves), written by hand."""

    def cell(value: str) -> str:
        if not value:
            return "<table:table-cell/>"
        return f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p></table:table-cell>'

    body = "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{sheet}">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)


def findings(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code = main([*argv, "--format", "json"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return code, json.loads(out)


def keys(report: dict[str, object]) -> set[tuple[str, str, str]]:
    found = report["findings"]
    assert isinstance(found, list)
    return {(f["ods_code"], f["shape"], f["severity"]) for f in found}


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_a_spreadsheet_register_gives_the_csv_findings(
    suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / f"register{suffix}"
    (write_xlsx if suffix == ".xlsx" else write_ods)(sheet, register_rows())
    code_csv, from_csv = findings(["validate", str(REGISTER)], capsys)
    code_sheet, from_sheet = findings(["validate", str(sheet)], capsys)
    assert code_sheet == code_csv == 1
    assert keys(from_sheet) == keys(from_csv) and keys(from_csv)
    assert from_sheet["organisations_checked"] == len(register_rows()) - 1


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_a_bad_spreadsheet_cell_is_named_by_file_sheet_row_and_column(
    suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = register_rows()
    rows[3] = list(rows[3])
    rows[3][2] = "pharmacist's shed"  # the type column of the fourth row
    sheet = tmp_path / f"bad{suffix}"
    (write_xlsx if suffix == ".xlsx" else write_ods)(sheet, rows, sheet="Q3 register")
    code = main(["validate", str(sheet)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"bad{suffix}:Q3 register:4:3: column 'type': unknown organisation type" in err


def test_a_file_that_is_not_a_workbook_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "register.xlsx"
    fake.write_text("ods_code,name,type\n", encoding="utf-8")
    assert main(["validate", str(fake)]) == 2
    assert "register.xlsx: cannot read as a spreadsheet" in capsys.readouterr().err


def test_an_on_disk_store_gives_the_in_memory_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "store"
    _, in_memory = findings(["validate", str(REGISTER)], capsys)
    _, on_disk = findings(["validate", str(REGISTER), "--store", str(store)], capsys)
    assert keys(on_disk) == keys(in_memory)
    assert (store / ".itops-store").is_file()
    _, again = findings(["validate", str(REGISTER), "--store", str(store)], capsys)  # reused, emptied first
    assert keys(again) == keys(in_memory) and again["organisations_checked"] == in_memory["organisations_checked"]


def test_an_on_disk_store_never_takes_over_a_folder_it_did_not_make(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    assert main(["validate", str(REGISTER), "--store", str(folder)]) == 2
    assert "is not an itops store" in capsys.readouterr().err
    assert (folder / "notes.txt").read_text() == "keep me"


def test_csv_streamed_into_the_store_equals_the_rdflib_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The fast engine streams CSV rows into Oxigraph; pySHACL reads them through rdflib: same findings."""
    _, fast = findings(["validate", str(REGISTER)], capsys)
    _, reference = findings(["validate", str(REGISTER), "--engine", "pyshacl"], capsys)
    assert keys(fast) == keys(reference)
