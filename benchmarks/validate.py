"""Benchmark: load + validation time and peak memory of each engine on synthetic registers.

    python benchmarks/validate.py [--sizes 10000,100000,1000000,5000000] [--limit 600] [--workdir DIR]

For each size (in triples, bundled documents included) it writes a synthetic register with
`itops synth` (N-Triples) and runs, each in a fresh process: the Oxigraph engine (bulk load + shapes
compiled to SPARQL) and the reference, pySHACL on rdflib (rdflib load + pySHACL). A run that
exceeds --limit seconds is stopped and reported as such. It prints a table with the ratio of each
engine's time to the reference's, and checks that both engines' findings agree where both finish.
This is a script, not a test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRIPLES_PER_ORGANISATION = 18.4  # measured on itops synth registers
BUNDLED_TRIPLES = 4700

CHILD = r"""
import json, resource, sys, time
engine, path = sys.argv[1], sys.argv[2]
from itops.graph import KnowledgeGraph
from itops.loader import store_from_inputs
from itops.validate import validate, validate_store
t0 = time.perf_counter()  # imports are not counted: both engines pay them once per process
if engine == "oxigraph":
    store = store_from_inputs([path])
    t1 = time.perf_counter()
    report = validate_store(store)
else:
    kg = KnowledgeGraph.bundled()
    kg.add_file(path)
    t1 = time.perf_counter()
    report = validate(kg, engine="pyshacl")
t2 = time.perf_counter()
keys = sorted(f"{f.focus} {f.shape} {f.severity} {f.value}" for f in report.findings)
print(json.dumps({"load": t1 - t0, "validate": t2 - t1, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "findings": len(report.findings), "digest": hash(tuple(keys)) if False else __import__("hashlib").sha256("\n".join(keys).encode()).hexdigest()}))
"""


def run(engine: str, path: Path, limit: float) -> dict[str, object]:
    started = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", CHILD, engine, str(path)], capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return {"status": f"stopped after {limit:.0f} s"}
    if proc.returncode != 0:
        return {"status": "failed: " + proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["status"] = "ok"
    out["wall"] = time.perf_counter() - started
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000,5000000", help="comma-separated triple counts")
    parser.add_argument("--limit", type=float, default=600, help="seconds before a run is stopped")
    parser.add_argument("--engines", default="oxigraph,pyshacl")
    parser.add_argument("--workdir", default=None, help="where registers are written (default: a temporary folder)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    engines = args.engines.split(",")
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="itops-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}")
    print(f"{'triples':>10} {'engine':>9} {'load s':>8} {'valid. s':>9} {'total s':>8} {'peak MB':>8} {'findings':>9} {'vs ref':>8}  status")
    for size in sizes:
        organisations = max(20, int((size - BUNDLED_TRIPLES) / TRIPLES_PER_ORGANISATION))
        register = workdir / f"register-{size}.nt"
        if not register.exists():
            subprocess.run([sys.executable, "-m", "itops", "synth", "--organisations", str(organisations), "--seed", "1",
                            "-o", str(register)], check=True, capture_output=True)
        triples = sum(1 for _ in open(register, "rb")) + BUNDLED_TRIPLES
        results = {engine: run(engine, register, args.limit) for engine in engines}
        reference = results.get("pyshacl", {})
        ref_total = (reference.get("load", 0) + reference.get("validate", 0)) if reference.get("status") == "ok" else None
        for engine, r in results.items():
            if r["status"] != "ok":
                print(f"{triples:>10} {engine:>9} {'':>8} {'':>9} {'':>8} {'':>8} {'':>9} {'':>8}  {r['status']}")
                continue
            total = r["load"] + r["validate"]
            ratio = f"{ref_total / total:7.1f}x" if ref_total else "   n/a"
            print(f"{triples:>10} {engine:>9} {r['load']:8.2f} {r['validate']:9.2f} {total:8.2f} {r['peak_mb']:8.0f} "
                  f"{r['findings']:>9} {ratio:>8}  ok")
        digests = {r["digest"] for r in results.values() if r.get("status") == "ok"}
        if len(digests) > 1:
            print(f"{'':>10} MISMATCH: the engines' findings differ at {triples} triples")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
