"""No false all-clear, no lost file: what validation counts, what it refuses, and outputs that never harm inputs."""

from __future__ import annotations

import json
import os
import signal
import stat
from pathlib import Path

import pytest

import itops
from itops.cli import main
from itops.errors import OutputError, QueryError
from itops.io import terminating_signals, write_files_atomic, write_folder_atomic
from itops.release import MARKER, build_release, render_release

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
REGISTER = EXAMPLES / "register.csv"
HEADER = REGISTER.read_text(encoding="utf-8").splitlines()[0]
PREFIXES = "@prefix itops: <https://w3id.org/itops#> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------------------------------------
# Nothing checked is not a pass
# ------------------------------------------------------------------------------------------------


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


FALSE_ALL_CLEARS = {
    "header-only CSV": ("empty.csv", HEADER + "\n", "empty.csv: holds no data row"),
    "empty Turtle": ("empty.ttl", "", "empty.ttl: holds no organisation"),
    "empty N-Triples": ("empty.nt", "", "empty.nt: holds no organisation"),
    "Turtle holding no organisation": (
        "other.ttl",
        PREFIXES + '<https://example.org/a> <https://example.org/p> "x" .\n',
        "other.ttl: holds no organisation",
    ),
    "impossible dateTime": (
        "dates.ttl",
        PREFIXES + '<https://w3id.org/itops/ods/FAA01> itops:odsCode "FAA01" ;\n'
        '    itops:igtSubmittedOn "2023-02-30T00:00:00"^^xsd:dateTime .\n',
        "dates.ttl:4: ill-typed literal '2023-02-30T00:00:00'",
    ),
    "boolean maybe": (
        "flags.ttl",
        PREFIXES + '<https://w3id.org/itops/ods/FAA01> itops:odsCode "FAA01" ;\n'
        '    itops:usesSmartcards "maybe"^^xsd:boolean .\n',
        "flags.ttl:4: ill-typed literal 'maybe'",
    ),
    "ill-typed N-Triples": (
        "flags.nt",
        '<https://w3id.org/itops/ods/FAA01> <https://w3id.org/itops#odsCode> "FAA01" .\n'
        "<https://w3id.org/itops/ods/FAA01> <https://w3id.org/itops#usesSmartcards> "
        '"maybe"^^<http://www.w3.org/2001/XMLSchema#boolean> .\n',
        "flags.nt:2: ill-typed literal 'maybe'",
    ),
}


@pytest.mark.parametrize("engine", ["auto", "pyshacl"])
@pytest.mark.parametrize("case", sorted(FALSE_ALL_CLEARS))
def test_input_that_checks_nothing_is_exit_2_not_a_pass(
    case: str, engine: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, text, message = FALSE_ALL_CLEARS[case]
    code, out, err = run(["validate", "--engine", engine, write(tmp_path / name, text)], capsys)
    assert code == 2, (out, err)
    assert message in err and "Traceback" not in err
    assert "No findings" not in out


@pytest.mark.parametrize("with_csv", [False, True])
def test_an_ill_typed_literal_refuses_the_input_and_writes_no_report(
    with_csv: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The scan for ill-typed literals runs beside the checks (one register) or before them (several):
    either way the input is refused, and no report reaches the output file."""
    name, text, message = FALSE_ALL_CLEARS["ill-typed N-Triples"]
    inputs = [write(tmp_path / name, text)]
    if with_csv:
        inputs.append(write(tmp_path / "good.csv", "ods_code,name,type\nFAC01,Good Pharmacy,community pharmacy\n"))
    report = tmp_path / "report.txt"
    code, out, err = run(["validate", *inputs, "-o", str(report)], capsys)
    assert code == 2, (out, err)
    assert message in err and "Traceback" not in err
    assert not report.exists() and not list(tmp_path.glob(".report*"))


@pytest.mark.parametrize("engine", ["auto", "pyshacl"])
@pytest.mark.parametrize("column, value", [("name", "Another Pharmacy Name"), ("type", "dental practice")])
def test_one_ods_code_described_two_ways_is_refused(
    column: str, value: str, engine: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = write(tmp_path / "a.csv", f"{HEADER}\n" + REGISTER.read_text(encoding="utf-8").splitlines()[5] + "\n")
    code_ = REGISTER.read_text(encoding="utf-8").splitlines()[5].split(",")[0]
    row = {"ods_code": code_, "name": "Market Pharmacy", "type": "community pharmacy"}
    line = REGISTER.read_text(encoding="utf-8").splitlines()[5].split(",")
    row["name"], row["type"] = line[1], line[2]
    row[column] = value
    second = write(tmp_path / "b.csv", f"ods_code,name,type\n{row['ods_code']},{row['name']},{row['type']}\n")
    code, _, err = run(["validate", "--engine", engine, first, second], capsys)
    assert code == 2, err
    assert f"ODS code {code_}" in err and "a.csv" in err and "b.csv" in err


def test_the_same_organisation_in_two_files_merges_its_systems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Multi-valued cells are merged: the same name and type in two files is one organisation."""
    a = write(
        tmp_path / "a.csv", "ods_code,name,type,national_systems\nFAB01,Two File Pharmacy,community pharmacy,EPS\n"
    )
    b = write(
        tmp_path / "b.csv", "ods_code,name,type,national_systems\nFAB01,Two File Pharmacy,community pharmacy,N3\n"
    )
    code, out, err = run(["validate", a, b, "--format", "json"], capsys)
    assert code in (0, 1), err
    assert json.loads(out)["organisations_checked"] == 1


def test_duplicated_column_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "dup.csv", "ods_code,name,type,name\nFAB01,A,community pharmacy,B\n")
    code, _, err = run(["validate", path], capsys)
    assert code == 2 and "dup.csv:1:4: column 'name' appears twice" in err


def test_no_register_checks_the_documents_alone_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["validate"], capsys)
    assert code == 0
    assert out.startswith("Checked the documents alone (")
    assert "statement(s); no register given" in out.splitlines()[0]


def test_every_report_format_says_how_much_it_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = len(REGISTER.read_text(encoding="utf-8").strip().splitlines()) - 1
    code, out, _ = run(["validate", str(REGISTER), "--format", "json"], capsys)
    data = json.loads(out)
    assert code == 1 and data["organisations_checked"] == rows and data["statements_checked"] > 0
    code, out, _ = run(["validate", str(REGISTER), "--format", "html"], capsys)
    assert f"Checked {rows} organisation(s)" in out


# ------------------------------------------------------------------------------------------------
# Outputs never harm inputs
# ------------------------------------------------------------------------------------------------


def test_validate_refuses_to_write_its_report_over_the_register(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    register = tmp_path / "reg.csv"
    register.write_bytes(REGISTER.read_bytes())
    code, _, err = run(["validate", str(register), "-o", str(register)], capsys)
    assert code == 2 and "is an input of this command" in err
    assert register.read_bytes() == REGISTER.read_bytes()
    link = tmp_path / "link.csv"
    link.symlink_to(register)
    code, _, err = run(["validate", str(register), "-o", str(link)], capsys)
    assert code == 2 and register.read_bytes() == REGISTER.read_bytes()


def test_export_refuses_to_write_over_its_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    register = tmp_path / "reg.csv"
    register.write_bytes(REGISTER.read_bytes())
    code, _, err = run(["export", "-f", str(register), "-o", str(register)], capsys)
    assert code == 2 and "is an input of this command" in err
    assert register.read_bytes() == REGISTER.read_bytes()


def test_synth_refuses_one_file_for_register_and_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "x.csv"
    code, _, err = run(["synth", "--organisations", "20", "-o", str(target), "--manifest", str(target)], capsys)
    assert code == 2 and "is also the output of -o" in err
    assert not target.exists()


def test_synth_manifests_of_nt_and_csv_do_not_collide(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for suffix in (".nt", ".csv"):
        assert run(["synth", "--organisations", "30", "-o", str(tmp_path / f"x{suffix}")], capsys)[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.csv", "x.csv.breaks.csv", "x.nt", "x.nt.breaks.csv"]


def test_outputs_follow_the_umask(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = os.umask(0o022)
    try:
        report = tmp_path / "report.html"
        assert run(["validate", str(REGISTER), "--format", "html", "-o", str(report)], capsys)[0] == 1
        assert stat.S_IMODE(report.stat().st_mode) == 0o644
        release = tmp_path / "release"
        assert run(["release", "-o", str(release)], capsys)[0] == 0
        assert stat.S_IMODE(release.stat().st_mode) == 0o755
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in release.iterdir())
    finally:
        os.umask(old)


def test_two_outputs_are_written_together_or_not_at_all(tmp_path: Path) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("old a")

    def failing(handle: object) -> None:
        raise OSError(28, "simulated: no space left on device")

    with pytest.raises(OutputError, match="no space left"):
        write_files_atomic({first: lambda h: h.write(b"new a"), second: failing})
    assert first.read_text() == "old a" and not second.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


# ------------------------------------------------------------------------------------------------
# Multi-file outputs stay old or new
# ------------------------------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_release_refuses_a_folder_it_did_not_make(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.docx").write_bytes(b"precious")
    for command in ("release", "docs"):
        code, _, err = run([command, "-o", str(folder)], capsys)
        assert code == 2 and "was not written by itops" in err
    assert snapshot(folder) == {"thesis.docx": b"precious"}


def test_release_replaces_its_own_folder_whole(tmp_path: Path) -> None:
    folder = tmp_path / "release"
    build_release(folder)
    (folder / "stale-from-an-old-version.ttl").write_bytes(b"old")
    build_release(folder)
    assert sorted(snapshot(folder)) == sorted([*render_release(), MARKER])  # the stale file is gone


def old_release(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A release folder holding an older itops.ttl, and its contents."""
    folder = tmp_path / "release"
    build_release(folder)
    (folder / "itops.ttl").write_bytes(b"an older release")
    return folder, snapshot(folder)


def test_release_write_failure_leaves_the_old_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, before = old_release(tmp_path)
    real = Path.write_bytes
    calls = []

    def failing(self: Path, data: bytes) -> int:
        calls.append(self.name)
        if len(calls) == 3:
            raise OSError(28, "simulated: no space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing)
    with pytest.raises(OutputError, match="no space left"):
        build_release(folder)
    assert snapshot(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["release"]  # no temporary folder left


def test_release_interrupted_by_sigterm_leaves_the_old_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, before = old_release(tmp_path)
    real = Path.write_bytes
    calls = []

    def killed(self: Path, data: bytes) -> int:
        calls.append(self.name)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGTERM)  # as `kill PID` would, half-way through the files
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", killed)
    code, _, err = run(["release", "-o", str(folder)], capsys)
    assert code == 2 and "interrupted" in err
    assert snapshot(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["release"]


def test_sigterm_during_a_single_file_write_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"

    def killed(handle: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)

    from itops.io import Terminated

    with terminating_signals(), pytest.raises(Terminated):
        write_files_atomic({target: killed})
    assert list(tmp_path.iterdir()) == []


def test_folder_swap_failure_puts_the_old_folder_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "site"
    write_folder_atomic(folder, lambda f: (f / "index.html").write_text("old"), marker=".m")
    real_replace = os.replace

    def failing(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst) == folder and Path(src).name.endswith(".new"):
            raise OSError(5, "simulated I/O error")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OutputError, match="simulated"):
        write_folder_atomic(folder, lambda f: (f / "index.html").write_text("new"), marker=".m")
    assert (folder / "index.html").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


# ------------------------------------------------------------------------------------------------
# A safe Python API
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kg() -> itops.KnowledgeGraph:
    return itops.load()


def test_service_is_refused_unless_allowed(kg: itops.KnowledgeGraph) -> None:
    query = "SELECT ?s WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    with pytest.raises(QueryError, match="SERVICE"):
        kg.sparql(query)
    nested = "SELECT ?s WHERE { ?s ?p ?o OPTIONAL { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?q ?r } } } LIMIT 1"
    with pytest.raises(QueryError, match="SERVICE"):
        kg.sparql(nested)


@pytest.mark.parametrize(
    "text, message",
    [
        ("SELECT ?s WHERE { ?s ?p }", "not a valid SPARQL query"),
        ("ASK { ?s ?p ?o }", "only SELECT queries"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "only SELECT queries"),
    ],
)
def test_bad_queries_raise_itops_errors(kg: itops.KnowledgeGraph, text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        kg.sparql(text)


def test_every_error_class_is_an_itops_error() -> None:
    import itops.errors as errors

    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, Exception)]
    assert len(classes) >= 6
    assert all(issubclass(c, errors.ItopsError) for c in classes)
