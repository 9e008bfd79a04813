"""The exit-code contract under faults: every subcommand, every bad input or output, exits 2 with one line.

Each case runs the command line in-process and requires exit status 2, exactly one line on
standard error that starts with ``itops:`` and names the file (or the option), and no traceback.
Faults that root cannot create (an unreadable file, a read-only folder: CI runs as root) are
simulated with the OS error the system would raise.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from itops.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
GOOD_CSV = (EXAMPLES / "register.csv").read_text(encoding="utf-8")

#: subcommand -> how it takes one input file
INPUT_COMMANDS: dict[str, Callable[[str], list[str]]] = {
    "validate": lambda f: ["validate", f],
    "info": lambda f: ["info", f],
    "query": lambda f: ["query", "commissioning", "--file", f],
    "export": lambda f: ["export", "--file", f],
    "push": lambda f: ["push", "--endpoint", "http://127.0.0.1:9/query", f],
    "check": lambda f: ["check", f],
    "obligations": lambda f: ["obligations", "--organisation", "FAA01", f],
    "diff": lambda f: ["diff", f, str(EXAMPLES / "register.csv")],
}


def make_input(kind: str, folder: Path) -> tuple[str, str]:
    """Create the faulty input ``kind``; return its path and the text the message must contain."""
    if kind == "missing":
        return str(folder / "nothing-here.csv"), "nothing-here.csv: no such file"
    if kind == "directory":
        path = folder / "x.csv"
        path.mkdir()
        return str(path), "x.csv: is a folder"
    if kind == "fifo":
        path = folder / "pipe.ttl"
        os.mkfifo(path)
        return str(path), "pipe.ttl: is not a regular file"
    if kind == "huge cell":
        path = folder / "huge.csv"
        path.write_text(GOOD_CSV.splitlines()[0] + "\n" + 'ABC01,"' + "x" * 200_000 + '",CCG\n', encoding="utf-8")
        return str(path), "huge.csv"
    if kind == "truncated turtle":
        path = folder / "cut.ttl"
        path.write_text(
            '@prefix itops: <https://w3id.org/itops#> .\n<https://w3id.org/itops/ods/A01> itops:odsCode "A0',
            encoding="utf-8",
        )
        return str(path), "cut.ttl"
    if kind == "truncated n-triples":
        path = folder / "cut.nt"
        path.write_text(
            '<https://w3id.org/itops/ods/A01> <https://w3id.org/itops#odsCode> "A01" .\n<https://w3id.org/',
            encoding="utf-8",
        )
        return str(path), "cut.nt"
    if kind == "wrong encoding":
        path = folder / "latin.csv"
        path.write_bytes("ods_code,name,type\nABC01,Caf\xe9 Pharmacy,community pharmacy\n".encode("latin-1"))
        return str(path), "latin.csv:2: not UTF-8"
    if kind == "unknown kind":
        path = folder / "register.xlsx.bak"
        path.write_bytes(b"PK\x03\x04")
        return str(path), "register.xlsx.bak: unknown file type"
    raise AssertionError(kind)


INPUT_FAULTS = (
    "missing",
    "directory",
    "fifo",
    "huge cell",
    "truncated turtle",
    "truncated n-triples",
    "wrong encoding",
    "unknown kind",
)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_failure(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("itops: "), err
    for needle in needles:
        assert needle in lines[0], (needle, err)


@pytest.mark.parametrize("command", sorted(INPUT_COMMANDS))
@pytest.mark.parametrize("fault", INPUT_FAULTS)
def test_bad_input_exits_2_naming_the_file(
    command: str, fault: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, needle = make_input(fault, tmp_path)
    if command == "diff":  # diff reads reports and graph versions (a folder may be one): the file is named
        needle = needle.split(":")[0]
    code, out, err = run(INPUT_COMMANDS[command](path), capsys)
    assert_one_line_failure(code, err, needle)
    assert out == ""


@pytest.mark.parametrize("command", sorted(INPUT_COMMANDS))
def test_unreadable_input_exits_2(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file the user may not read (simulated: root reads everything) is a failure to check, not a pass."""
    secret = tmp_path / "secret.csv"
    secret.write_text(GOOD_CSV, encoding="utf-8")
    real_open = builtins.open

    def guarded(file: object, *args: object, **kwargs: object) -> object:
        if isinstance(file, (str, os.PathLike)) and Path(file).name == "secret.csv":
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", guarded)
    monkeypatch.setattr(io, "open", guarded)
    code, _, err = run(INPUT_COMMANDS[command](str(secret)), capsys)
    assert_one_line_failure(code, err, "secret.csv", "Permission denied")


#: subcommand -> its arguments writing to OUT (a file or a folder)
OUTPUT_COMMANDS: dict[str, Callable[[str], list[str]]] = {
    "validate": lambda o: ["validate", str(EXAMPLES / "register.csv"), "-o", o],
    "info": lambda o: ["info", "--format", "json", "-o", o],
    "query": lambda o: ["query", "commissioning", "-o", o],
    "export": lambda o: ["export", "-o", o],
    "rules": lambda o: ["rules", "--format", "csv", "-o", o],
    "resolve": lambda o: ["resolve", "HSCIC", "--on", "2020-01-01", "-o", o],
    "synth": lambda o: ["synth", "--organisations", "50", "-o", o + ".csv"],
    "release": lambda o: ["release", "-o", o],
    "docs": lambda o: ["docs", "-o", o],
    "types": lambda o: ["types", "-o", o],
    "obligations": lambda o: ["obligations", "--type", "CCG", "-o", o],
}


@pytest.mark.parametrize("command", sorted(OUTPUT_COMMANDS))
def test_read_only_output_folder_exits_2(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Writing into a folder the user may not write to (simulated) fails in one line and leaves nothing."""
    target = tmp_path / "locked" / "out"
    target.parent.mkdir()

    def refuse(*args: object, **kwargs: object) -> object:
        raise PermissionError(errno.EACCES, "Permission denied", str(target.parent))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    code, _, err = run(OUTPUT_COMMANDS[command](str(target)), capsys)
    assert_one_line_failure(code, err, "out", "Permission denied")
    assert list(target.parent.iterdir()) == []


@pytest.mark.parametrize("command", sorted(OUTPUT_COMMANDS))
def test_output_into_a_missing_folder_exits_2(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "no-such-folder" / "out"
    code, _, err = run(OUTPUT_COMMANDS[command](str(target)), capsys)
    assert_one_line_failure(code, err, "no-such-folder")
    assert not target.parent.exists()


def test_internal_errors_are_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Even a bug is exit 2 (a failure to check), never 1 (violations), with a traceback only under --debug."""

    def broken(*args: object, **kwargs: object) -> object:
        raise KeyError("simulated bug")

    monkeypatch.setattr("itops.validate.validate_inputs", broken)
    code, _, err = run(["validate"], capsys)
    assert_one_line_failure(code, err, "internal error", "--debug")
    with pytest.raises(KeyError):
        main(["--debug", "validate"])


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", "--engine", "fastest"])
    assert exit_info.value.code == 2
    assert main([]) == 2
