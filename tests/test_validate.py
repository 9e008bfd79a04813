"""Validation end to end: the documents conform, the example register gives exactly its listed
breaks (from CSV and from Turtle), every report format is well formed, the report is pySHACL's,
and output files are written atomically.

pySHACL takes a few seconds over the documents, so ``itops validate examples/register.csv`` runs
once per module (``example_run``, which keeps the report it made); the tests of the output formats
run the command line with that report (``itops.validate.validate`` patched to return it), and the
real command line runs once per other behaviour (no register, Turtle register, RDFS inference).
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from conftest import fixture_base_graph
from pyshacl import validate as pyshacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SH

from itops.cli import main
from itops.graph import KnowledgeGraph
from itops.register import RegisterReader
from itops.reports.validation import FIELDS, to_json
from itops.validate import Report, load_shapes, validate_graph

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
REGISTER_CSV = EXAMPLES / "register.csv"
REGISTER_TTL = EXAMPLES / "register.ttl"
BREAKS = EXAMPLES / "register-breaks.csv"
SHAPES_NS = "https://w3id.org/itops/shapes#"
FIXTURES = Path(__file__).resolve().parent.parent / "shapes" / "examples"
SEVERITIES = {"Violation": SH.Violation, "Warning": SH.Warning, "Info": SH.Info}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def example_kg() -> KnowledgeGraph:
    """The bundled documents and the example CSV register (read only)."""
    kg = KnowledgeGraph.bundled()
    kg.add_input(str(REGISTER_CSV))
    return kg


@dataclass(frozen=True)
class CliRun:
    code: int
    out: str
    err: str
    report: Report


@pytest.fixture(scope="module")
def example_run() -> CliRun:
    """``itops validate examples/register.csv``: its exit status, output, and the report it made."""
    import itops.validate as module

    real = module.validate_inputs
    reports: list[Report] = []

    def spy(paths: list[str], **options: Any) -> Report:
        reports.append(real(paths, **options))
        return reports[-1]

    raw, stderr = io.BytesIO(), io.StringIO()
    stdout = io.TextIOWrapper(raw, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, "validate_inputs", spy)
        patch.setattr(sys, "stdout", stdout)
        patch.setattr(sys, "stderr", stderr)
        code = main(["validate", str(REGISTER_CSV)])
    stdout.flush()
    assert len(reports) == 1
    return CliRun(code, raw.getvalue().decode("utf-8"), stderr.getvalue(), reports[0])


@pytest.fixture(scope="module")
def example_report(example_run: CliRun) -> Report:
    return example_run.report


@pytest.fixture(scope="module")
def plain_results(example_kg: KnowledgeGraph) -> Graph:
    """pySHACL's own results graph for the same data and shapes, with its default options."""
    conforms, results, _ = pyshacl_validate(example_kg.union(), shacl_graph=load_shapes())
    assert conforms is False and isinstance(results, Graph)
    return results


@pytest.fixture
def cached_validation(monkeypatch: pytest.MonkeyPatch, example_report: Report) -> None:
    """Make ``itops validate examples/register.csv`` reuse the module's report instead of re-running pySHACL."""

    def cached(paths: list[str], **_: Any) -> Report:
        assert any(Path(p).resolve() == REGISTER_CSV for p in paths)
        return example_report

    monkeypatch.setattr("itops.validate.validate_inputs", cached)


def listed_breaks() -> Counter[tuple[str, str, str]]:
    with BREAKS.open(encoding="utf-8", newline="") as handle:
        return Counter((r["ods_code"], r["shape"], r["severity"]) for r in csv.DictReader(handle))


def local(shape: str) -> str:
    assert shape.startswith(SHAPES_NS), shape
    return shape[len(SHAPES_NS) :]


def result_keys(results: Graph) -> Counter[tuple[str, str, str, str]]:
    """(focus, path, source shape, severity) of every result of a SHACL results graph."""
    keys: Counter[tuple[str, str, str, str]] = Counter()
    for result in results.subjects(RDF.type, SH.ValidationResult):
        path = results.value(result, SH.resultPath)
        keys[
            (
                str(results.value(result, SH.focusNode)),
                str(path) if isinstance(path, URIRef) else "",
                str(results.value(result, SH.sourceShape)),
                str(results.value(result, SH.resultSeverity)),
            )
        ] += 1
    return keys


def finding_keys(report: Report) -> Counter[tuple[str, str, str, str]]:
    return Counter((f.focus, f.path, f.shape, str(SEVERITIES[f.severity])) for f in report.findings)


# ------------------------------------------------------------------------------- the documents


def test_bundled_documents_conform(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "validate", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["conforms"] is True
    assert (data["violations"], data["warnings"], data["findings"]) == (0, 0, [])


# ------------------------------------------------------------------------------- the example register


def test_example_register_gives_exactly_the_listed_breaks(example_report: Report) -> None:
    found = Counter((f.ods_code, local(f.shape), f.severity) for f in example_report.findings)
    assert found == listed_breaks()
    assert not example_report.conforms


def test_validate_example_register_exits_1(example_run: CliRun) -> None:
    assert example_run.code == 1, example_run.err
    organisations = {ods_code for ods_code, _, _ in listed_breaks()}
    with REGISTER_CSV.open(encoding="utf-8", newline="") as handle:
        rows = len(list(csv.DictReader(handle)))
    first, second = example_run.out.splitlines()[:2]
    assert first.startswith(f"Checked {rows} organisation(s) from registers and ")  # the count line
    assert second.startswith(f"13 violation(s) and 5 warning(s) affecting {len(organisations)} organisation(s)")
    for ods_code in organisations:
        assert f"({ods_code})" in example_run.out
    assert example_run.err == ""


def test_turtle_register_is_the_csv_register(example_kg: KnowledgeGraph) -> None:
    from_csv = RegisterReader(example_kg.dataset, example_kg.names()).read(REGISTER_CSV)
    from_ttl = Graph().parse(REGISTER_TTL, format="turtle")
    assert isomorphic(from_csv, from_ttl)


def test_turtle_register_gives_the_same_findings(capsys: pytest.CaptureFixture[str], example_report: Report) -> None:
    code, out, _ = run(capsys, "validate", str(REGISTER_TTL), "--format", "json")
    assert code == 1
    assert json.loads(out) == json.loads(to_json(example_report))


def test_rdfs_inference_gives_the_same_findings(capsys: pytest.CaptureFixture[str], example_report: Report) -> None:
    code, out, _ = run(capsys, "validate", str(REGISTER_CSV), "--inference", "rdfs", "--format", "json")
    assert code == 1
    assert json.loads(out) == json.loads(to_json(example_report))


# ------------------------------------------------------------------------------- itops's report is pySHACL's


def test_findings_are_pyshacls_results(example_report: Report, plain_results: Graph) -> None:
    assert finding_keys(example_report) == result_keys(plain_results)
    assert len(example_report.findings) == sum(listed_breaks().values())


def test_findings_are_pyshacls_results_on_every_fixture() -> None:
    """The same on the shape fixtures, which also exercise the SPARQL constraint and the structure shapes."""
    shapes = load_shapes()
    base = fixture_base_graph()
    fixtures = sorted(FIXTURES.glob("*/fail.ttl"))
    assert fixtures
    for fixture in fixtures:
        data = Graph()
        for triple in base:
            data.add(triple)
        data.parse(fixture, format="turtle")
        _, results, _ = pyshacl_validate(data, shacl_graph=shapes)
        assert isinstance(results, Graph)
        assert finding_keys(validate_graph(data, shapes=shapes)) == result_keys(results), fixture


# ------------------------------------------------------------------------------- output formats


@pytest.mark.usefixtures("cached_validation")
def test_json_report(capsys: pytest.CaptureFixture[str], example_report: Report) -> None:
    code, out, _ = run(capsys, "validate", str(REGISTER_CSV), "--format", "json")
    assert code == 1
    data = json.loads(out)
    findings = data["findings"]
    assert data["conforms"] is False
    assert data["violations"] == sum(f["severity"] == "Violation" for f in findings) == 13
    assert data["warnings"] == sum(f["severity"] != "Violation" for f in findings) == 5
    assert data["organisations_affected"] == len({f["focus"] for f in findings}) == len({b[0] for b in listed_breaks()})
    assert len(findings) == len(example_report.findings)
    assert all(set(f) == set(FIELDS) for f in findings)


@pytest.mark.usefixtures("cached_validation")
def test_csv_report(capsys: pytest.CaptureFixture[str], example_report: Report) -> None:
    code, out, _ = run(capsys, "validate", str(REGISTER_CSV), "--format", "csv")
    assert code == 1
    reader = csv.DictReader(io.StringIO(out))
    rows = list(reader)
    assert tuple(reader.fieldnames or ()) == FIELDS
    assert len(rows) == len(example_report.findings)
    assert Counter((r["ods_code"], local(r["shape"]), r["severity"]) for r in rows) == listed_breaks()


@pytest.mark.usefixtures("cached_validation")
def test_ttl_report_is_pyshacls_results_graph(
    capsys: pytest.CaptureFixture[str], example_report: Report, plain_results: Graph
) -> None:
    code, out, _ = run(capsys, "validate", str(REGISTER_CSV), "--format", "ttl")
    assert code == 1
    report = Graph().parse(data=out, format="turtle")
    reports = list(report.subjects(RDF.type, SH.ValidationReport))
    assert len(reports) == 1
    assert report.value(reports[0], SH.conforms) == Literal(False)
    assert len(list(report.objects(reports[0], SH.result))) == len(example_report.findings)
    assert isomorphic(report, plain_results)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.doctype = ""
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: dict[str, str] = {}
        self._open: list[str] = []

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            while self._open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        for tag in ("title", "caption"):
            if tag in self._open:
                self.text[tag] = self.text.get(tag, "") + data

    def named(self, tag: str) -> Iterator[dict[str, str | None]]:
        return (attrs for name, attrs in self.tags if name == tag)


@pytest.mark.usefixtures("cached_validation")
def test_html_report_is_a_complete_self_contained_page(
    capsys: pytest.CaptureFixture[str], example_report: Report
) -> None:
    code, out, _ = run(capsys, "validate", str(REGISTER_CSV), "--format", "html")
    assert code == 1
    page = _Page()
    page.feed(out)
    page.close()
    assert page.doctype.lower() == "doctype html"
    assert [attrs.get("lang") for attrs in page.named("html")] == ["en-GB"]
    assert page.text.get("title", "").strip()
    assert len(list(page.named("table"))) == 1 and page.text.get("caption", "").strip()
    headers = list(page.named("th"))
    assert headers and all(attrs.get("scope") in ("col", "row") for attrs in headers)
    assert sum(attrs.get("scope") == "row" for attrs in headers) == len(example_report.affected())
    for tag, attrs in page.tags:
        for name in ("src", "href"):
            assert attrs.get(name) is None or str(attrs[name]).startswith("#"), (tag, attrs)
        assert tag not in ("link", "script", "iframe", "img"), tag
    assert "url(" not in out and "@import" not in out
    assert out.rstrip().endswith("</html>")
    for ods_code, _, _ in listed_breaks():
        assert f">{ods_code}<" in out


# ------------------------------------------------------------------------------- output files


@pytest.mark.usefixtures("cached_validation")
def test_output_file_is_written_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.html"
    code, out, err = run(capsys, "validate", str(REGISTER_CSV), "--format", "html", "-o", str(target))
    assert code == 1 and out == ""
    assert "13 violation(s), 5 warning(s)" in err and str(target) in err
    assert target.read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert os.listdir(tmp_path) == ["report.html"]


def test_failed_run_leaves_no_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("ods_code,name,type\nFAA01,Pharmacy,spaceship\n", encoding="utf-8")
    target = tmp_path / "report.json"
    code, out, err = run(capsys, "validate", str(bad), "--format", "json", "-o", str(target))
    assert code == 2 and out == ""
    assert f"{bad}:2:3:" in err and "Traceback" not in err
    assert sorted(os.listdir(tmp_path)) == ["bad.csv"]

    target.write_text("previous report\n", encoding="utf-8")
    code, _, _ = run(capsys, "validate", str(bad), "-o", str(target))
    assert code == 2
    assert target.read_text(encoding="utf-8") == "previous report\n"
    assert sorted(os.listdir(tmp_path)) == ["bad.csv", "report.json"]


def test_an_unrecorded_igt_return_is_reported_as_not_recorded(tmp_path: Path) -> None:
    """CP 2012 §06: "Completion of IGT and compliance with NHS IG requirements." A row with no IGT
    status does not pass; the finding says what the register shows (nothing), not that the return
    was never made. A row recording a return without its standards met is reported the same way."""
    from itops.validate import validate_inputs

    register = tmp_path / "igt.csv"
    register.write_text(
        "ods_code,name,type,igt_status\n"
        "FZZ01,Blank Pharmacy,community pharmacy,\n"
        "FZZ02,Lapsed Pharmacy,community pharmacy,not submitted\n"
        "FZZ03,Careful Pharmacy,community pharmacy,standards met\n",
        encoding="utf-8",
    )
    report = validate_inputs([str(register)])
    igt = {f.ods_code: f.message for f in report.findings if f.rule.endswith("#IgtCompleted")}
    assert set(igt) == {"FZZ01", "FZZ02"}
    assert all(
        m.startswith("is not recorded as having completed the Information Governance Toolkit") for m in igt.values()
    )


@pytest.mark.parametrize("engine", ["oxigraph", pytest.param("pyshacl", marks=pytest.mark.slow)])
def test_a_report_names_the_rules_that_had_nothing_recorded_to_read(tmp_path: Path, engine: str) -> None:
    """CP 2012 §06: contractors "Ensure adherence to registration authority security policy for use of
    smartcard." A register without the ra_policy column cannot show it either way: the report must say
    so, not let the rule's silence read as a pass. A rule that fires on a missing value is not listed."""
    from itops.reports.validation import checked_line, to_text
    from itops.validate import validate_inputs

    lone = tmp_path / "lone.csv"
    lone.write_text("ods_code,name,type,igt_status\nFAA99,Lone Pharmacy,community pharmacy,\n", encoding="utf-8")
    adhering = tmp_path / "adhering.csv"
    adhering.write_text(
        "ods_code,name,type,igt_status,ra_policy\nFAA98,Careful Pharmacy,community pharmacy,standards met,yes\n",
        encoding="utf-8",
    )
    ra_policy = "primary care contractors adhere to the registration authority policies"
    report = validate_inputs([str(lone)], engine=engine)  # type: ignore[arg-type]
    assert ra_policy in report.unread
    igt = "Information Governance Toolkit completed with standards met"
    assert [f.rule_label for f in report.findings] == [igt]
    assert igt not in report.unread  # it fired: it read the absence
    assert f", {len(report.unread)} of which had nothing recorded to read." in checked_line(report)
    assert f"\n  {ra_policy}\n" in to_text(report)
    assert ra_policy not in validate_inputs([str(adhering)], engine=engine).unread  # type: ignore[arg-type]
