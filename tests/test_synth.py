"""Synthetic registers: deterministic, realistic, and validation finds exactly the injected breaks."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from itops.cli import main
from itops.graph import KnowledgeGraph
from itops.synth import BREAKABLE, generate
from itops.validate import validate


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert main(["synth", "--organisations", "300", "--seed", "7", "-o", str(tmp_path / f"{name}.nt")]) == 0
    assert (tmp_path / "a.nt").read_bytes() == (tmp_path / "b.nt").read_bytes()
    assert (tmp_path / "a.nt.breaks.csv").read_bytes() == (tmp_path / "b.nt.breaks.csv").read_bytes()
    assert main(["synth", "--organisations", "300", "--seed", "8", "-o", str(tmp_path / "c.nt")]) == 0
    assert (tmp_path / "a.nt").read_bytes() != (tmp_path / "c.nt").read_bytes()


def test_national_mix() -> None:
    rows, _ = generate(35000, seed=1, violation_rate=0.0)
    kinds = {}
    for row in rows:
        kinds[row["type"]] = kinds.get(row["type"], 0) + 1
    assert len(rows) == 35000
    assert 10000 < kinds["community pharmacy"] < 12500
    assert 9500 < kinds["dental practice"] < 11000
    assert 5000 < kinds["community optometry practice"] < 6000
    assert 50 < kinds["appliance contractor"] < 150
    assert kinds["DMS practice"] > 100


def test_every_breakable_rule_can_be_injected() -> None:
    _, breaks = generate(3000, seed=3, violation_rate=1.0)
    injected = {b.shape for b in breaks}
    assert injected == {shape for rules in BREAKABLE.values() for shape, _ in rules}


@pytest.mark.parametrize("suffix", [".csv", ".nt"])
def test_validation_finds_exactly_the_injected_breaks(tmp_path: Path, suffix: str) -> None:
    register = tmp_path / f"register{suffix}"
    assert (
        main(["synth", "--organisations", "600", "--seed", "11", "--violation-rate", "0.2", "-o", str(register)]) == 0
    )
    kg = KnowledgeGraph.bundled()
    kg.add_input(str(register))
    report = validate(kg)
    found = {(f.ods_code, f.shape.rsplit("#", 1)[-1], f.severity) for f in report.findings}
    with open(tmp_path / f"register{suffix}.breaks.csv", newline="") as handle:
        expected = {(r["ods_code"], r["shape"], r["severity"]) for r in csv.DictReader(handle)}
    assert len(expected) > 60
    assert found == expected


def test_bad_parameters_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", "--organisations", "5", "-o", str(tmp_path / "x.csv")]) == 2
    assert main(["synth", "--organisations", "100", "--violation-rate", "2", "-o", str(tmp_path / "x.csv")]) == 2
    assert main(["synth", "--organisations", "100", "-o", str(tmp_path / "x.ttl")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "organisations" in err
    assert not any(tmp_path.iterdir())
