"""Benchmark: time of every named query on rdflib, pyoxigraph, an Oxigraph server and Jena ARQ.

    python benchmarks/queries.py [--repeat 3] [--engines rdflib,pyoxigraph,server,jena] [--json]

Each named query runs with its first ``# example:`` parameters (or none) on the bundled ontology
and documents. Per engine it prints the first (cold) run and the best of ``--repeat`` runs, in
milliseconds, and whether the rows (RDF terms, in order) equal rdflib's. The server is an
``oxigraph serve`` on 127.0.0.1 (a free port, in-memory, stopped at the end) loaded by a Graph
Store Protocol PUT; Jena runs ``tests/java/ArqRun.java`` with Debian's ``libapache-jena-java``
jars, in one JVM for all queries (times exclude the JVM start and the load, printed apart).
This is a script, not a test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # this working tree's itops and queries, and tests/jena.py

from jena import compile_arqrun, run_arqrun, union_ntriples  # noqa: E402  (tests/jena.py)

from itops.endpoint import Endpoint, query_endpoint  # noqa: E402
from itops.graph import KnowledgeGraph  # noqa: E402
from itops.query import NamedQuery, QueryResult, all_queries, resolve_parameters, with_values  # noqa: E402

ENGINES = ("rdflib", "pyoxigraph", "server", "jena")
GRAPH = "urn:itops:benchmark"


def cases() -> list[tuple[NamedQuery, dict[str, str]]]:
    """One case per named query: its first example's parameters, or none (a query that requires a
    parameter and gives no example is left out)."""
    return [
        (q, dict(q.examples[0]) if q.examples else {})
        for q in all_queries()
        if q.examples or not any(p.required for p in q.parameters)
    ]


def timed(run: Callable[[], QueryResult], repeat: int) -> tuple[list[float], QueryResult]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    assert result is not None
    return times, result


class Server:
    """``oxigraph serve`` in memory on a free 127.0.0.1 port, loaded with N-Triples into one graph."""

    def __init__(self, data: Path) -> None:
        executable = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [executable, "serve", "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(self.base + "/query?query=ASK%7B%7D", timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise SystemExit("oxigraph serve did not start") from None
                time.sleep(0.1)
        put = urllib.request.Request(
            f"{self.base}/store?graph={urllib.parse.quote(GRAPH, safe='')}",
            data=data.read_bytes(),
            method="PUT",
            headers={"Content-Type": "application/n-triples"},
        )
        with urllib.request.urlopen(put, timeout=60):
            pass
        self.endpoint = Endpoint(self.base + "/query", graph=GRAPH)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per query and engine (default 3)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated subset of " + ",".join(ENGINES))
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    engines = [e for e in args.engines.split(",") if e]
    unknown = set(engines) - set(ENGINES)
    if unknown or args.repeat < 1:
        parser.error(f"unknown engines {sorted(unknown)}" if unknown else "--repeat must be at least 1")

    kg = KnowledgeGraph.bundled()
    todo = cases()
    times: dict[str, list[list[float]]] = {e: [] for e in engines}
    results: dict[str, list[QueryResult]] = {e: [] for e in engines}
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        data = union_ntriples(kg, work / "data.nt")
        if "rdflib" in engines or "pyoxigraph" in engines:
            kg.oxigraph_store()  # built once, outside the timings
        for engine, name in (("rdflib", "rdflib"), ("pyoxigraph", "oxigraph")):
            if engine in engines:
                for query, params in todo:
                    t, r = timed(partial(kg.query, query, params, engine=name), args.repeat)
                    times[engine].append(t)
                    results[engine].append(r)
        if "server" in engines:
            server = Server(data)
            try:
                for query, params in todo:
                    t, r = timed(partial(query_endpoint, kg, query, params, server.endpoint), args.repeat)
                    times["server"].append(t)
                    results["server"].append(r)
            finally:
                server.stop()
        if "jena" in engines:
            cp = compile_arqrun(work)
            texts = [with_values(q.text, resolve_parameters(q, p, kg.dataset, kg.names())) for q, p in todo]
            report = run_arqrun(
                cp, [data], texts, work, list_columns=[q.list_columns for q, _ in todo], repeat=args.repeat
            )
            times["jena"] = [[float(ms) for ms in m] for m in report.millis]
            results["jena"] = list(report.results)
            notes.append(f"jena: {report.triples} triples loaded in {report.load_ms} ms (not counted)")

    reference = engines[0]
    rows = []
    for i, (query, params) in enumerate(todo):
        row: dict[str, object] = {"query": query.name, "params": params}
        for engine in engines:
            t = times[engine][i]
            same = (
                results[engine][i].columns == results[reference][i].columns
                and results[engine][i].rows == results[reference][i].rows
            )
            row[engine] = {"first_ms": round(t[0], 1), "best_ms": round(min(t), 1), "same_as_" + reference: same}
        rows.append(row)
    if args.json:
        print(json.dumps({"repeat": args.repeat, "queries": rows, "notes": notes}, indent=1))
        return 0
    print(f"{'query':28}" + "".join(f"{e + ' first/best ms':>28}" for e in engines))
    for row in rows:
        cells = []
        for engine in engines:
            cell = row[engine]
            assert isinstance(cell, dict)
            mark = "" if cell["same_as_" + reference] else " DIFF"
            cells.append(f"{cell['first_ms']:>12.1f} / {cell['best_ms']:>8.1f}{mark:>5}")
        print(f"{str(row['query']):28}" + "".join(f"{c:>28}" for c in cells))
    for engine in engines:
        total = sum(min(t) for t in times[engine])
        worst = max((min(t), q.name) for t, (q, _) in zip(times[engine], todo, strict=False))
        print(f"{engine}: total of best {total:.0f} ms; slowest {worst[1]} {worst[0]:.1f} ms")
    for note in notes:
        print(note)
    print(f"DIFF: rows (RDF terms, in order) differ from {reference}'s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
