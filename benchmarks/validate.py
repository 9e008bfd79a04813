"""Benchmark: the itops command line end to end, with pySHACL and Jena SHACL measured in the same run.

    python benchmarks/validate.py [--sizes 100000,1000000,5000000] [--csv-mb 50] [--store-csv-mb 200]
                                  [--limit 600] [--repeat 5] [--workdir DIR] [--skip-peers] [--pyshacl-max N]

Every figure is the wall time of a whole process (start-up, loading, validation, writing the
report) and its peak resident memory, read from the kernel (``os.wait4``) for that process alone.
It prints, against the targets of the performance issue:

1. start-up: ``itops validate examples/register.csv`` and ``itops query commissioning``, each the
   median of ``--repeat`` runs (as is itops up to 1M triples);
2. for each size in triples (synthetic registers written by ``itops synth`` as N-Triples): itops
   (the compiled engine, ``--engine auto``), pySHACL (``itops validate --engine pyshacl``) and
   Apache Jena SHACL 4.5 (Debian's jars; the same data, ontology and shapes as N-Triples/Turtle),
   with the number of findings each reports;
3. a CSV register of about ``--csv-mb`` MB in memory, against the same register as N-Triples;
4. a CSV register of about ``--store-csv-mb`` MB with ``--store DIR`` (on disk).

A run that exceeds ``--limit`` seconds is stopped and reported as such. This is a script, not a
test: the figures depend on the machine, and on what else it is doing.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from itops.synth import MIX

ROOT = Path(__file__).resolve().parent.parent
TRIPLES_PER_ORGANISATION = 18.4  # measured on itops synth registers
CSV_BYTES_PER_ORGANISATION = 203  # measured on itops synth registers
MIX_KINDS = len(MIX)  # the smallest register itops synth writes: one organisation of each kind
JAVA_DIR = Path("/usr/share/java")
JENA_SOURCE = Path(__file__).resolve().parent / "java" / "JenaShacl.java"


@dataclass(frozen=True)
class Run:
    """One process: how it ended, its wall time, its peak memory and what it printed."""

    status: str
    seconds: float = 0.0
    peak_mib: float = 0.0
    out: str = ""


def measure(argv: list[str], limit: float, *, cwd: Path = ROOT, ok: tuple[int, ...] = (0, 1)) -> Run:
    """Run ``argv`` as one process; its wall time and peak RSS (its own, from wait4), or how it failed."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(argv, stdout=out, stderr=err, cwd=cwd)
        deadline = started + limit
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.send_signal(signal.SIGKILL)
                os.wait4(process.pid, 0)
                return Run(f"stopped after {limit:.0f} s")
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, problem = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if code not in ok:
        last = problem.strip().splitlines()[-1] if problem.strip() else f"exit {code}"
        return Run(f"failed: {last}", seconds, usage.ru_maxrss / 1024)
    return Run("ok", seconds, usage.ru_maxrss / 1024, text)


def itops(*args: str) -> list[str]:
    return [sys.executable, "-m", "itops", *args]


def median_run(argv: list[str], repeat: int, limit: float) -> Run:
    """The median of ``repeat`` runs (its output kept), with the largest peak memory of them."""
    runs = [measure(argv, limit) for _ in range(repeat)]
    good = sorted((r for r in runs if r.status == "ok"), key=lambda r: r.seconds)
    if not good:
        return runs[0]
    middle = good[(len(good) - 1) // 2]
    return Run("ok", statistics.median(r.seconds for r in good), max(r.peak_mib for r in good), middle.out)


def findings_of(run: Run) -> str:
    """The number of findings in an itops JSON report, or the SHACL result count Jena printed."""
    if run.status != "ok" or not run.out.strip():
        return "—"
    try:
        data = json.loads(run.out.strip().splitlines()[-1] if run.out.lstrip().startswith('{"load') else run.out)
    except ValueError:
        return "?"
    if "results" in data:
        return str(data["results"])
    return str(len(data.get("findings", [])))


# ------------------------------------------------------------------------------------ peers


def jena_command(work: Path) -> list[str] | None:
    """The command that runs Jena SHACL (compiled once into ``work``), or None if Java or the jars are missing."""
    if shutil.which("javac") is None or not (JAVA_DIR / "jena-shacl.jar").is_file():
        return None
    jars = sorted(str(j) for j in JAVA_DIR.glob("*.jar") if not j.name[0].isdigit())
    classpath = os.pathsep.join([str(work), *jars])
    if not (work / "JenaShacl.class").is_file():
        proc = subprocess.run(
            ["javac", "-nowarn", "-cp", classpath, "-d", str(work), str(JENA_SOURCE)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            print(f"(Jena SHACL not compiled: {proc.stderr.strip().splitlines()[-1:]})")
            return None
        # jena-core relocates Xerces but not its message bundles: put them where its classes look
        with zipfile.ZipFile(JAVA_DIR / "jena-core.jar") as jar:
            for name in jar.namelist():
                if name.startswith("org/apache/jena/ext/xerces/") and name.endswith(".properties"):
                    out = work / name[len("org/apache/jena/ext/") :]
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(jar.read(name))
    return ["java", "-Xmx16g", "-cp", classpath, "JenaShacl"]


def bundled_ntriples(work: Path) -> Path:
    """The ontology and documents as one N-Triples file, for Jena (which gets no itops loader)."""
    target = work / "bundled.nt"
    if not target.is_file():
        subprocess.run(itops("export", "--format", "nt", "-o", str(target)), check=True, cwd=ROOT)
    return target


# ------------------------------------------------------------------------------------ the runs


def synth(work: Path, organisations: int, suffix: str) -> Path:
    path = work / f"register-{organisations}{suffix}"
    if not path.is_file():
        subprocess.run(
            itops("synth", "--organisations", str(organisations), "--seed", "1", "-o", str(path)),
            check=True,
            cwd=ROOT,
            stderr=subprocess.DEVNULL,
        )
    return path


def row(label: str, run: Run, target: str = "", extra: str = "") -> str:
    if run.status != "ok":
        return f"| {label} | {run.status} | | {extra} | {target} |"
    return f"| {label} | {run.seconds:.2f} s | {run.peak_mib:.0f} MiB | {extra} | {target} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000,5000000", help="register sizes in triples")
    parser.add_argument(
        "--csv-mb", type=float, default=50.0, help="size of the in-memory CSV register (MB); 0 leaves it out"
    )
    parser.add_argument(
        "--store-csv-mb", type=float, default=200.0, help="size of the --store CSV register (MB); 0 leaves it out"
    )
    parser.add_argument("--limit", type=float, default=600.0, help="seconds before a run is stopped")
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs of each start-up command, and of itops up to 1M triples (median)"
    )
    parser.add_argument("--workdir", type=Path, help="keep registers here between runs (default: a temporary folder)")
    parser.add_argument("--skip-peers", action="store_true", help="measure itops alone")
    parser.add_argument(
        "--pyshacl-max",
        type=int,
        default=1_000_000,
        help="run pySHACL only up to this many triples (it takes minutes per million)",
    )
    args = parser.parse_args()
    # Timed as installed: pip compiles the package's bytecode when it installs it, so compile the
    # checkout's once here (PYTHONDONTWRITEBYTECODE would otherwise recompile it in every run).
    compileall.compile_dir(ROOT / "itops", quiet=1)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="itops-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(
        f"itops benchmark on {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"work folder {work}\n"
    )
    print("| what | wall time | peak memory | findings / note | target |")
    print("|---|---:|---:|---|---|")
    example = str(ROOT / "examples" / "register.csv")
    print(
        row(
            "`itops validate examples/register.csv`",
            median_run(itops("validate", example), args.repeat, args.limit),
            "≤ 0.5 s",
            f"median of {args.repeat}",
        )
    )
    print(
        row(
            "`itops query commissioning`",
            median_run(itops("query", "commissioning"), args.repeat, args.limit),
            "≤ 0.5 s",
            f"median of {args.repeat}",
        )
    )

    jena = None if args.skip_peers else jena_command(work)
    shapes = sorted(str(p) for p in (ROOT / "shapes").glob("*.ttl"))
    targets = {100_000: "≤ 0.5 s", 1_000_000: "≤ 5 s, ≤ 700 MiB", 5_000_000: "≤ 30 s, ≤ 3 GiB"}
    for size in (int(s) for s in args.sizes.split(",") if s):
        organisations = max(1, round(size / TRIPLES_PER_ORGANISATION))
        register = synth(work, organisations, ".nt")
        report = ["--format", "json"]
        # a run of a few seconds or less is the median of --repeat runs, as the start-up figures are
        repeat = args.repeat if size <= 1_000_000 else 1
        fast = median_run(itops("validate", str(register), *report), repeat, args.limit)
        note = findings_of(fast) + (f" (median of {repeat})" if repeat > 1 else "")
        print(row(f"{size:,} triples: itops", fast, targets.get(size, ""), note))
        if args.skip_peers:
            continue
        if size <= args.pyshacl_max:
            reference = measure(itops("validate", "--engine", "pyshacl", str(register), *report), args.limit)
            print(row(f"{size:,} triples: pySHACL", reference, "", findings_of(reference)))
        else:
            print(f"| {size:,} triples: pySHACL | not run above {args.pyshacl_max:,} triples (--pyshacl-max) | | | |")
        if jena is not None:
            peer = measure([*jena, *shapes, "--", str(bundled_ntriples(work)), str(register)], args.limit, ok=(0,))
            print(row(f"{size:,} triples: Jena SHACL 4.5", peer, "", findings_of(peer)))
        else:
            print(f"| {size:,} triples: Jena SHACL | not run: needs javac and libapache-jena-java | | | |")

    if args.csv_mb > 0:
        csv_versus_nt(work, args)
    if args.store_csv_mb > 0:
        on_disk(work, args)
    return 0


def csv_versus_nt(work: Path, args: argparse.Namespace) -> None:
    """A CSV register in memory, against the same register as N-Triples."""
    organisations = max(MIX_KINDS, round(args.csv_mb * 1e6 / CSV_BYTES_PER_ORGANISATION))
    csv_register, nt_register = synth(work, organisations, ".csv"), synth(work, organisations, ".nt")
    as_csv = measure(itops("validate", str(csv_register), "--format", "json"), args.limit)
    as_nt = measure(itops("validate", str(nt_register), "--format", "json"), args.limit)
    size_mb = csv_register.stat().st_size / 1e6
    ratio = f"{as_csv.seconds / as_nt.seconds:.2f}× the N-Triples time" if as_nt.status == as_csv.status == "ok" else ""
    print(
        row(
            f"CSV, {size_mb:.0f} MB ({organisations:,} organisations), in memory",
            as_csv,
            "≤ 1.5× N-Triples, < 3 GiB",
            ratio,
        )
    )
    print(row(f"the same register as N-Triples ({nt_register.stat().st_size / 1e6:.0f} MB)", as_nt, "", ""))


def on_disk(work: Path, args: argparse.Namespace) -> None:
    """A larger CSV register with the store on disk (``--store DIR``)."""
    organisations = max(MIX_KINDS, round(args.store_csv_mb * 1e6 / CSV_BYTES_PER_ORGANISATION))
    big = synth(work, organisations, ".csv")
    store = work / "store"
    run = measure(itops("validate", str(big), "--store", str(store), "--format", "json"), args.limit)
    print(
        row(
            f"CSV, {big.stat().st_size / 1e6:.0f} MB ({organisations:,} organisations), --store DIR",
            run,
            "< 1 GiB",
            findings_of(run),
        )
    )


if __name__ == "__main__":
    sys.exit(main())
