"""The command line: outputs, exit codes, error messages naming file and line, atomic writes."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from itops.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_info_shows_counts_per_document(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "info", "--format", "json")
    assert code == 0
    data = json.loads(out)
    docs = {d["document"]: d for d in data["documents"]}
    assert docs["af-2013"]["commissioning_rows"] == 12
    assert docs["cp-2012"]["accountability_rows"] == 17
    code, out, _ = run(capsys, "info")
    assert code == 0 and "tasks-and-functions cells" in out and "af-2013" in out


def test_query_csv_rebuilds_the_commissioning_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "query", "commissioning", "--param", "document=cp-2012", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 8
    assert rows[4]["service"] == "Registration authority services"
    assert rows[4]["provider"] == "CSUs or any other provider"


def test_query_list_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "query", "--list")
    assert code == 0 and "accountability" in out and "responsibilities" in out
    code, out, _ = run(capsys, "query", "responsibilities", "--help-query")
    assert code == 0 and "function" in out and "optional" in out


def test_unknown_query_exits_2_and_lists_known(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "query", "whoever")
    assert code == 2 and out == ""
    assert "unknown query 'whoever'" in err and "commissioning" in err
    assert "Traceback" not in err


def test_bad_parameter_exits_2_and_names_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "query", "commissioning", "--param", "provider=Nobody Ltd")
    assert code == 2 and "parameter 'provider'" in err
    code, _, err = run(capsys, "query", "commissioning", "--param", "nonsense")
    assert code == 2 and "NAME=VALUE" in err


def test_malformed_turtle_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "register.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e "unterminated .\n')
    code, _, err = run(capsys, "info", str(bad))
    assert code == 2
    assert f"{bad}:3:" in err and "Traceback" not in err


def test_missing_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "info", str(tmp_path / "nope.ttl"))
    assert code == 2 and "nope.ttl: no such file" in err


def test_output_into_missing_folder_fails_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "missing" / "out.csv"
    code, _, err = run(capsys, "query", "glossary", "--format", "csv", "-o", str(target))
    assert code == 2 and "does not exist" in err
    assert not target.parent.exists()


def test_failed_run_leaves_previous_output_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.csv"
    target.write_text("previous\n")
    code, _, _ = run(capsys, "query", "commissioning", "--param", "provider=Nobody Ltd", "-o", str(target))
    assert code == 2
    assert target.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


@pytest.mark.parametrize(
    ("fmt", "rdflib_format"), [("ttl", "turtle"), ("owl", "xml"), ("jsonld", "json-ld"), ("nt", "nt")]
)
def test_export_round_trips(tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str, rdflib_format: str) -> None:
    from itops.graph import KnowledgeGraph

    target = tmp_path / f"out.{fmt}"
    code, _, _ = run(capsys, "export", "--format", fmt, "-o", str(target))
    assert code == 0
    back = Graph().parse(target, format=rdflib_format)
    expected = Graph()
    for triple in KnowledgeGraph.bundled().graph.triples((None, None, None)):
        expected.add(triple)
    assert isomorphic(back, expected)


def test_export_trig_keeps_one_named_graph_per_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.trig"
    code, _, _ = run(capsys, "export", "--format", "trig", "-o", str(target))
    assert code == 0
    ds = Dataset()
    ds.parse(target, format="trig")
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert {
        "https://w3id.org/itops",
        "https://w3id.org/itops/data/shared",
        "https://w3id.org/itops/data/armed-forces-2013",
        "https://w3id.org/itops/data/primary-care-contractors-2012",
    } <= names


def test_export_is_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    assert run(capsys, "export", "-o", str(a))[0] == 0
    assert run(capsys, "export", "-o", str(b))[0] == 0
    assert a.read_bytes() == b.read_bytes()


def test_installed_command_runs_from_outside_the_source_tree(tmp_path: Path) -> None:
    exe = shutil.which("itops", path=os.path.dirname(sys.executable)) or shutil.which("itops")
    assert exe, "the itops console script is not installed next to this Python"
    proc = subprocess.run(
        [
            exe,
            "query",
            "responsibilities",
            "--param",
            "function=Registration Authority",
            "--param",
            "party=HSCIC",
            "--format",
            "csv",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Maintain and publish the National RBAC Database (NRD)." in proc.stdout
