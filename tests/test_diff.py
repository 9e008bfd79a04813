"""itops diff: two validation reports (new, fixed, unchanged findings) and two versions of the graph
(statements added, removed and changed, by document and section). Expected changes are written by hand."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from itops.diff import GraphDiff, ReportDiff, diff_graphs, diff_paths, diff_reports, exit_status
from itops.errors import InputError
from itops.namespace import ID, ITOPS
from itops.reports import render as render_kind


def render(diff: ReportDiff | GraphDiff, fmt: str) -> str:
    return render_kind("diff", fmt, diff).decode("utf-8")


ROOT = Path(__file__).resolve().parent.parent


def finding(
    ods: str,
    name: str,
    rule: str,
    *,
    path: str = "",
    value: str = "",
    message: str = "breaks it",
    severity: str = "Violation",
) -> dict[str, object]:
    return {
        "focus": f"https://w3id.org/itops/ods/{ods}",
        "organisation": name,
        "ods_code": ods,
        "severity": severity,
        "shape": rule,
        "rule": f"https://w3id.org/itops/shapes#{rule}",
        "rule_label": rule,
        "family": "",
        "path": path,
        "value": value,
        "message": message,
        "sections": [],
        "action_by": "",
        "remedy": "",
    }


def write_report(path: Path, findings: list[dict[str, object]]) -> Path:
    path.write_text(json.dumps({"conforms": not findings, "findings": findings}), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------------------- reports


def test_report_diff_new_fixed_and_unchanged_per_organisation(tmp_path: Path) -> None:
    old = write_report(
        tmp_path / "q1.json",
        [
            finding(
                "FAA03",
                "Market Pharmacy",
                "IgtCompleted",
                path="https://w3id.org/itops#igtStatus",
                value="https://w3id.org/itops/id/igt-standards-not-met",
            ),
            finding("FAA02", "Riverside Pharmacy", "N3ConnectionCompliesWithCodeOfConnection"),
            finding("98X", "Forgetful CCG", "CcgHasIsb0160EscalationRoute", severity="Warning"),
        ],
    )
    new = write_report(
        tmp_path / "q2.json",
        [
            # the same finding, reworded and with the organisation renamed: still the same finding
            finding(
                "FAA03",
                "Market Street Pharmacy",
                "IgtCompleted",
                path="https://w3id.org/itops#igtStatus",
                value="https://w3id.org/itops/id/igt-standards-not-met",
                message="has not completed the IGT",
            ),
            finding("98X", "Forgetful CCG", "CcgHasIsb0160EscalationRoute", severity="Warning"),
            # the same organisation and rule, another value: a new finding
            finding(
                "FAA03",
                "Market Street Pharmacy",
                "IgtCompleted",
                path="https://w3id.org/itops#igtStatus",
                value="https://w3id.org/itops/id/igt-not-submitted",
            ),
            finding("V00002", "Example Dental Care", "IgtCompleted"),
        ],
    )
    diff = diff_reports(old, new)
    assert [(f.organisation_id, f.rule.rsplit("#", 1)[1], f.value.rsplit("/", 1)[-1]) for f in diff.new_findings] == [
        ("FAA03", "IgtCompleted", "igt-not-submitted"),
        ("V00002", "IgtCompleted", ""),
    ]
    assert [(f.organisation_id, f.rule_label) for f in diff.fixed] == [
        ("FAA02", "N3ConnectionCompliesWithCodeOfConnection")
    ]
    assert [(f.organisation_id, f.rule_label) for f in diff.unchanged] == [
        ("98X", "CcgHasIsb0160EscalationRoute"),
        ("FAA03", "IgtCompleted"),
    ]
    assert exit_status(diff) == 1
    text = render(diff, "text")
    assert text.splitlines()[0].endswith("2 new, 1 fixed, 2 unchanged finding(s).")
    market = text[text.index("Market Street Pharmacy (FAA03)") :]
    market = market[: market.index("\n\n")]
    assert "       new  Violation: breaks it [igt-not-submitted]" in market
    assert "still open  Violation: has not completed the IGT [igt-standards-not-met]" in market
    assert "fixed  Violation: breaks it — rule: N3ConnectionCompliesWithCodeOfConnection" in text
    data = json.loads(render(diff, "json"))
    assert data["counts"] == {"new": 2, "fixed": 1, "unchanged": 2}
    assert data["fixed"][0]["ods_code"] == "FAA02"
    # each finding of the diff is the finding as the report wrote it, with the key it was matched on
    assert data["fixed"][0] == {
        "organisation_id": "FAA02",
        **finding("FAA02", "Riverside Pharmacy", "N3ConnectionCompliesWithCodeOfConnection"),
    }


def test_report_diff_reads_a_report_that_lacks_fields(tmp_path: Path) -> None:
    # a report written before a field existed: what it lacks is empty, and the rule names itself
    bare = {"rule": "https://w3id.org/itops/shapes#IgtCompleted", "ods_code": "FAA02"}
    old = write_report(tmp_path / "old.json", [bare])
    new = write_report(tmp_path / "new.json", [finding("FAA02", "Riverside Pharmacy", "IgtCompleted")])
    diff = diff_reports(old, new)
    assert not diff.new_findings and not diff.fixed
    assert diff.unchanged[0].organisation == "Riverside Pharmacy"
    (fixed,) = diff_reports(old, write_report(tmp_path / "none.json", [])).fixed
    assert (fixed.rule_label, fixed.remedy, fixed.sections) == (bare["rule"], "", ())


def test_report_diff_with_nothing_new_exits_0(tmp_path: Path) -> None:
    old = write_report(tmp_path / "old.json", [finding("FAA02", "Riverside Pharmacy", "IgtCompleted")])
    new = write_report(tmp_path / "new.json", [])
    diff = diff_paths(old, new)
    assert isinstance(diff, ReportDiff) and exit_status(diff) == 0
    assert [f.organisation_id for f in diff.fixed] == ["FAA02"] and not diff.new_findings


def test_report_diff_of_two_real_validation_runs(tmp_path: Path) -> None:
    """Quarter 2 fixes Market Pharmacy's IGT return (examples/register.csv, FAA03: "standards not met")."""
    from itops.graph import KnowledgeGraph
    from itops.register import RegisterReader
    from itops.reports.validation import to_json
    from itops.validate import validate

    def run(register: Path, out: Path) -> Path:
        kg = KnowledgeGraph.bundled()
        kg.add_graph(
            RegisterReader(kg.dataset, kg.names()).read(str(register)),
            name=register.name,
            graph_iri=register.resolve().as_uri(),
        )
        out.write_text(to_json(validate(kg)), encoding="utf-8")
        return out

    before = ROOT / "examples" / "register.csv"
    lines = before.read_text(encoding="utf-8").splitlines(keepends=True)
    fixed = [
        line.replace(",standards not met,", ",standards met,") if line.startswith("FAA03,") else line for line in lines
    ]
    assert fixed != lines
    after = tmp_path / "register-q2.csv"
    after.write_text("".join(fixed), encoding="utf-8")
    diff = diff_reports(run(before, tmp_path / "q1.json"), run(after, tmp_path / "q2.json"))
    assert [(f.ods_code, f.rule.rsplit("#", 1)[1]) for f in diff.fixed] == [("FAA03", "IgtCompleted")]
    assert diff.new_findings == () and exit_status(diff) == 0
    assert len(diff.unchanged) > 5


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "q.json:1: not JSON"),
        ('{"findings": 3}', "q.json: not a validation report"),
        ('{"findings": [1]}', "q.json: finding 1 is not a finding object"),
    ],
)
def test_a_bad_report_is_one_line_naming_the_file(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "q.json"
    bad.write_text(content, encoding="utf-8")
    good = write_report(tmp_path / "good.json", [])
    with pytest.raises(InputError) as err:
        diff_reports(good, bad)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_report_cannot_be_compared_with_a_graph(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not one of each"):
        diff_paths(write_report(tmp_path / "q.json", []), ROOT / "data")


# ----------------------------------------------------------------------------------------------- graphs


def two_versions(tmp_path: Path) -> tuple[Path, Path]:
    """The bundled ontology and data, and a copy in which AF 2013 changes by three statements."""
    old, new = tmp_path / "old", tmp_path / "new"
    for version in (old, new):
        for folder in ("ontology", "data"):
            (version / folder).mkdir(parents=True)
            for file in (ROOT / folder).glob("*.ttl"):
                shutil.copy(file, version / folder / file.name)
    af = Graph().parse(new / "data" / "armed-forces-2013.ttl", format="turtle")
    # 1. commissioning row 3 now commissioned from the HSCIC instead of the NHAIS Agency (PRS provider)
    af.remove((ID["af-2013-com-03"], ITOPS.commissionedFrom, ID["nhais-agency"]))
    af.add((ID["af-2013-com-03"], ITOPS.commissionedFrom, ID["hscic"]))
    # 2. the glossary loses "General Practitioner | GP"
    af.remove((ID["af-2013-gl-06"], None, None))
    # 3. a new escalation route in §03
    new_route = ID["af-2013-esc-test"]
    for p, o in (
        (URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ITOPS.EscalationRoute),
        (ITOPS.escalatedBy, ID["dms"]),
        (ITOPS.escalatesTo, ID["nhs-cb"]),
        (ITOPS.quotes, Literal("DMS will refer unresolved issues to the NHS CB.")),
        (ITOPS.fromDocument, ID["af-2013"]),
        (ITOPS.fromSection, ID["af-2013-s03"]),
    ):
        af.add((new_route, p, o))
    af.serialize(new / "data" / "armed-forces-2013.ttl", format="turtle")
    return old, new


def test_graph_diff_in_words_by_document_and_section(tmp_path: Path) -> None:
    old, new = two_versions(tmp_path)
    diff = diff_graphs(old, new)
    assert isinstance(diff, GraphDiff) and exit_status(diff) == 1
    got = {(c.document, c.section, c.status, c.iri.rsplit("/", 1)[-1]) for c in diff.changes}
    assert got == {
        ("af-2013", "AF 2013 §04 Commissioning responsibilities", "changed", "af-2013-com-03"),
        ("af-2013", "AF 2013 §01 Glossary of terms", "removed", "af-2013-gl-06"),
        ("af-2013", "AF 2013 §03 Commissioned Service Provider - IT commissioning", "added", "af-2013-esc-test"),
    }
    row3 = next(c for c in diff.changes if c.iri.endswith("/af-2013-com-03"))
    assert [(p.property, p.removed, p.added) for p in row3.properties] == [
        ("commissioned from", ("NHAIS Agency (PRS provider)",), ("HSCIC",))
    ]
    gp = next(c for c in diff.changes if c.iri.endswith("/af-2013-gl-06"))
    assert gp.passage == "General Practitioner | GP"
    text = render(diff, "text")
    # the things are named by their labels (or, without one, their IRI's last part), their kind in brackets
    assert re.search(
        r"af-2013 — AF 2013 §04 Commissioning responsibilities\n  Changed: .+ \(commissioning arrangement\)\n"
        r"      commissioned from: NHAIS Agency \(PRS provider\) → HSCIC\n",
        text,
    )
    assert re.search(r"\n  Removed: .+ \(glossary entry\)\n      “General Practitioner \| GP”\n", text)
    assert (
        "  Added: af-2013-esc-test (escalation route)\n      “DMS will refer unresolved issues to the NHS CB.”" in text
    )
    assert json.loads(render(diff, "json"))["removed"] == diff.removed > 0


def test_graph_diff_of_two_release_files_and_of_identical_versions(tmp_path: Path) -> None:
    old, new = two_versions(tmp_path)
    files = []
    for version in (old, new):
        merged = Graph()
        for file in sorted(version.rglob("*.ttl")):
            merged.parse(file, format="turtle")
        out = tmp_path / f"{version.name}.nt"
        merged.serialize(out, format="nt", encoding="utf-8")
        files.append(out)
    diff = diff_paths(files[0], files[1])
    assert isinstance(diff, GraphDiff)
    assert {(c.status, c.iri.rsplit("/", 1)[-1]) for c in diff.changes} == {
        ("changed", "af-2013-com-03"),
        ("removed", "af-2013-gl-06"),
        ("added", "af-2013-esc-test"),
    }
    same = diff_graphs(old, tmp_path / "old")
    assert same.changes == () and exit_status(same) == 0 and render(same, "text").startswith("No difference")


def test_a_bad_graph_version_is_one_line_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix x: <http://x/> .\nx:a x:b \n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        diff_graphs(broken, broken)
    assert str(err.value).startswith(str(broken)) and "\n" not in str(err.value)
    with pytest.raises(InputError, match="no such file or folder"):
        diff_graphs(tmp_path / "missing", broken)
