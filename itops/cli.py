"""The ``itops`` command line: info, query, push, export, validate and release.

Exit status: 0 when the command ran (and, for ``validate``, found no violation), 1 for
violations, 2 for a usage or input error (bad file, unknown query, bad ``--param``). Results go
to standard output, diagnostics to standard error; no traceback is shown unless ``--debug``.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from datetime import date
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rdflib import URIRef

from rich.console import Console
from rich.table import Table

from itops import __version__
from itops.errors import ItopsError, ParameterError
from itops.graph import Info, KnowledgeGraph
from itops.io import Terminated, check_outputs, terminating_signals, write_atomic
from itops.query import NamedQuery, QueryResult, all_queries, load_query

EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    # --format: (rdflib format, description)
    "ttl": ("turtle", "Turtle, all sources merged"),
    "owl": ("xml", "RDF/XML, all sources merged (owlready2 and older OWL tools read it)"),
    "jsonld": ("json-ld", "JSON-LD, all sources merged"),
    "nt": ("nt", "N-Triples, all sources merged, sorted"),
    "trig": ("trig", "TriG, one named graph per source (ontology, shared, each document, each register)"),
}
QUERY_FORMATS = ("text", "csv", "json")
#: Registers larger than this are validated on Oxigraph without loading them into rdflib (--engine auto).
LARGE_REGISTER_BYTES = 2_000_000


def _console(stream: Any = None) -> Console:
    return Console(file=stream or sys.stdout, width=160, soft_wrap=False, highlight=False)


def _load(args: argparse.Namespace) -> KnowledgeGraph:
    kg = KnowledgeGraph.bundled(documents=not getattr(args, "no_documents", False))
    for path in _inputs(args):
        kg.add_input(path)
    return kg


def _inputs(args: argparse.Namespace) -> list[str]:
    return list(getattr(args, "files", None) or [])


def _emit(args: argparse.Namespace, data: str | bytes) -> None:
    """Write a command's result to ``-o FILE`` (atomically, never over an input) or to standard output."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if args.output:
        output = Path(args.output)
        check_outputs(_inputs(args), [("-o", output)])
        write_atomic(output, lambda handle: handle.write(payload))
    else:
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()


# ------------------------------------------------------------------------------------ info


def _info_text(info: Info) -> Table:
    table = Table(title="Documents", show_lines=False)
    table.add_column("count")
    for doc in info.documents:
        table.add_column(doc.document, justify="right")
    fields = [
        ("commissioning table rows", "commissioning_rows"),
        ("accountability table rows", "accountability_rows"),
        ("tasks-and-functions cells", "matrix_cells"),
        ("tasks-and-functions statements", "matrix_statements"),
        ("scope items", "scope_items"),
        ("glossary terms", "glossary_terms"),
        ("standard requirements", "standard_requirements"),
        ("escalation routes", "escalation_routes"),
        ("funding statements", "funding_statements"),
        ("references", "references"),
        ("all statements", "statements"),
    ]
    for label, attr in fields:
        table.add_row(label, *(str(getattr(d, attr)) for d in info.documents))
    return table


def cmd_info(args: argparse.Namespace) -> int:
    """Show what is loaded."""
    kg = _load(args)
    info = kg.info()
    if args.format == "json":
        import dataclasses
        import json

        data = dataclasses.asdict(info)
        for source in data["sources"]:
            source["graph_iri"] = str(source["graph_iri"])
        _emit(args, json.dumps(data, indent=1) + "\n")
        return 0
    console = _console()
    console.print(f"itops {__version__}: {info.triples} triples loaded")
    sources = Table(title="Sources")
    for column in ("file", "named graph", "triples"):
        sources.add_column(column, justify="right" if column == "triples" else "left")
    for source in info.sources:
        sources.add_row(source.location, str(source.graph_iri), str(source.triples))
    console.print(sources)
    onto = Table(title="Ontology and shared individuals")
    onto.add_column("count")
    onto.add_column("number", justify="right")
    for label, value in (
        ("classes", info.classes),
        ("object properties", info.object_properties),
        ("datatype properties", info.datatype_properties),
        ("annotation properties", info.annotation_properties),
        ("organisations and their parts", info.organisations),
        ("categories of organisations", info.party_categories),
        ("services and systems", info.services),
        ("standards and policies", info.standards),
    ):
        onto.add_row(label, str(value))
    console.print(onto)
    console.print(_info_text(info))
    return 0


# ------------------------------------------------------------------------------------ query


def _parse_params(pairs: Sequence[str] | None) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ParameterError(pair, "write parameters as --param NAME=VALUE")
        params[key.strip()] = value.strip()
    return params


def _list_queries() -> int:
    console = _console()
    table = Table(title="Named queries (itops query NAME --help-query for details)")
    table.add_column("name")
    table.add_column("title")
    table.add_column("parameters")
    for query in all_queries():
        params = ", ".join(f"{p.name}{'' if p.required else '?'}" for p in query.parameters)
        table.add_row(query.name, query.title, params)
    console.print(table)
    return 0


def _describe_query(query: NamedQuery) -> int:
    console = _console()
    console.print(f"[bold]{query.name}[/bold]: {query.title}")
    console.print(query.description)
    console.print("columns: " + ", ".join(query.columns))
    if query.parameters:
        table = Table(title="parameters (--param NAME=VALUE)")
        for column in ("name", "type", "", "meaning"):
            table.add_column(column)
        for p in query.parameters:
            kind = p.type + (f" ({p.iri_class})" if p.iri_class else "")
            table.add_row(p.name, kind, "required" if p.required else "optional", p.description)
        console.print(table)
        for example in query.examples:
            shown = " ".join(f'--param "{k}={v}"' for k, v in example.items())
            console.print(f"example: itops query {query.name} {shown}")
        console.print("An IRI parameter takes an IRI, a prefixed name (id:nhs-cb), a label or an acronym (\"NHS CB\").")
    return 0


def render_result(result: QueryResult, fmt: str, *, title: str = "") -> str:
    """Render a query result as text (a table), CSV or SPARQL JSON."""
    if fmt == "csv":
        return result.to_csv()
    if fmt == "json":
        return result.to_json()
    console = Console(width=200, record=True, file=io.StringIO(), highlight=False)
    table = Table(title=title or None, show_lines=True)
    for column in result.columns:
        table.add_column(column, overflow="fold")
    for row in result.values():
        table.add_row(*row)
    console.print(table)
    console.print(f"{len(result.rows)} row{'s' if len(result.rows) != 1 else ''}")
    return console.export_text()


def cmd_query(args: argparse.Namespace) -> int:
    """Run a named query."""
    if args.list or not args.name:
        return _list_queries()
    query = load_query(args.name)
    if args.help_query:
        return _describe_query(query)
    params = _parse_params(args.param)
    if args.endpoint is None:
        for option, value in (("--graph", args.graph), ("--timeout", args.timeout)):
            if value is not None:
                raise ParameterError(option, "only applies with --endpoint URL")
    elif args.engine != "auto":
        raise ParameterError("--engine", "chooses an embedded engine; it does not apply with --endpoint URL")
    kg = _load(args)
    if args.endpoint is not None:
        from itops.endpoint import query_endpoint

        # names are resolved against the embedded graph, exactly as for an embedded query; only execution is remote
        result = query_endpoint(kg, query, params, _endpoint(args))
    else:
        result = kg.query(query, params, engine=args.engine)
    _emit(args, render_result(result, args.format, title=query.title))
    return 0


def _endpoint(args: argparse.Namespace) -> Any:
    """The :class:`itops.endpoint.Endpoint` named by ``--endpoint``, ``--graph`` and ``--timeout``."""
    from itops.endpoint import DEFAULT_GRAPH, DEFAULT_TIMEOUT, Endpoint

    timeout = DEFAULT_TIMEOUT if args.timeout is None else args.timeout
    return Endpoint(args.endpoint, graph=args.graph or DEFAULT_GRAPH, timeout=timeout)


# ------------------------------------------------------------------------------------ push


def cmd_push(args: argparse.Namespace) -> int:
    """Replace the itops graph of a triple store with the ontology, both documents and any extra files."""
    from itops.endpoint import default_store_url, push, union_graph
    from itops.errors import InputError

    endpoint = _endpoint(args)
    try:
        kg = _load(args)
    except InputError as err:
        raise InputError(err.path, f"{err.reason}; nothing was sent: graph <{endpoint.graph}> is unchanged",
                         line=err.line, column=err.column) from None
    store, required = (args.store, True) if args.store else (default_store_url(endpoint.url), False)
    progress = (lambda message: print(f"itops: {message}", file=sys.stderr)) if sys.stderr.isatty() else None
    result = push(union_graph(kg), endpoint, update_url=args.update, store_url=store, store_required=required,
                  progress=progress)
    print(f"itops: {result.summary()}")
    return 0


# ------------------------------------------------------------------------------------ export


def cmd_export(args: argparse.Namespace) -> int:
    """Export the loaded graph."""
    from itops.release import serialize

    if args.output:
        check_outputs(_inputs(args), [("-o", Path(args.output))])
    kg = _load(args)
    fmt = EXPORT_FORMATS[args.format][0]
    data = _trig(kg) if fmt == "trig" else serialize(kg.union(), fmt, canonical=True)  # type: ignore[arg-type]
    _emit(args, data)
    return 0


def _trig(kg: KnowledgeGraph) -> bytes:
    """TriG with one named graph per source, each graph in canonical order."""
    from itops.release import serialize

    parts: list[bytes] = []
    for source in sorted(kg.sources, key=lambda s: str(s.graph_iri)):
        graph = kg.dataset.graph(source.graph_iri)
        body = serialize(graph, "nt", canonical=True).decode("utf-8")
        lines = "".join(f"    {line}\n" for line in body.splitlines() if line.strip())
        parts.append(f"<{source.graph_iri}> {{\n{lines}}}\n\n".encode())
    return b"".join(parts)


# ------------------------------------------------------------------------------------ validate


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate registers (and the documents) against the documents' rules."""
    from itops.validate import render, validate_inputs

    files = _inputs(args)
    if args.output:
        check_outputs(files, [("-o", Path(args.output))])
    if args.endpoint is not None:
        from itops.validate import validate_endpoint

        if files:
            raise ParameterError("REGISTER", "with --endpoint the data must already be in the store: load it with "
                                             "'itops push --endpoint URL REGISTER ...' and validate without files")
        if args.inference != "none" or args.engine == "pyshacl":
            raise ParameterError("--endpoint", "validation on an endpoint runs the compiled rules without inference")
        report = validate_endpoint(_endpoint(args))
    else:
        report = validate_inputs(files, engine=args.engine, inference=args.inference, progress=sys.stderr.isatty(),
                                 store_dir=Path(args.store) if args.store else None)
    _emit(args, render(report, args.format))
    if args.output:
        print(f"itops: {len(report.violations)} violation(s), {len(report.warnings)} warning(s) in "
              f"{report.organisations} organisation(s) and {report.statements} statement(s) checked; "
              f"report written to {args.output}", file=sys.stderr)
    return 0 if report.conforms else 1


def cmd_types(args: argparse.Namespace) -> int:
    """List the organisation types a register may use."""
    from itops.register import organisation_types

    kg = KnowledgeGraph.bundled(documents=False)
    table = Table(title="Organisation types for the 'type' column of a register (any name in a row is accepted)")
    table.add_column("type")
    table.add_column("class")
    table.add_column("accepted names")
    for kind in organisation_types(kg.dataset):
        names = sorted({n for n in kind.names if not n.endswith("s") or n.casefold() in ("ccgs", "csus")})
        table.add_row(kind.label, str(kind.iri).rsplit("#", 1)[-1], "; ".join(names))
    _console().print(table)
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    """List every obligation found in the documents with the rule that enforces it, or why none can."""
    from itops.coverage import coverage

    kg = KnowledgeGraph.bundled()
    rows = coverage(kg)
    if args.format == "csv":
        import csv as csv_module

        buffer = io.StringIO()
        writer = csv_module.writer(buffer, lineterminator="\n")
        writer.writerow(["document", "section", "obligation", "enforced_by", "why_not_checkable"])
        for row in rows:
            writer.writerow([row.document, row.section, row.passage, "; ".join(row.shapes), row.reason])
        _emit(args, buffer.getvalue())
        return 0
    table = Table(title="Obligations in the documents and the rules that enforce them", show_lines=True)
    for column in ("document", "section", "obligation", "enforced by / why not"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row.document, row.section, row.passage, "; ".join(row.shapes) or row.reason)
    console = Console(width=200, record=True, file=io.StringIO(), highlight=False)
    console.print(table)
    enforced = sum(1 for r in rows if r.shapes)
    console.print(f"{len(rows)} obligations: {enforced} enforced by a rule, {len(rows) - enforced} not checkable on data")
    _emit(args, console.export_text())
    return 0


# ------------------------------------------------------------------------------------ resolve


def _parse_day(text: str | None, parameter: str) -> date:
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ParameterError(parameter, f"expected a date as YYYY-MM-DD, got {text!r}") from None


def cmd_resolve(args: argparse.Namespace) -> int:
    """Say what a 2013 name stands for on a date, and the chain of changes that got there."""
    import json

    from itops.lineage import resolve

    kg = KnowledgeGraph.bundled()
    on = _parse_day(args.on, "--on")
    index = kg.names()
    from rdflib.namespace import OWL, RDF as RDF_NS

    terms = {t for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
             for t in kg.dataset.subjects(RDF_NS.type, kind)}
    found = sorted(index.resolve(args.name) - terms)
    if not found:
        raise ParameterError("NAME", f"nothing is called {args.name!r}",
                             candidates=index.suggestions(args.name, set(index.display) - terms) or ["(none close)"])
    if len(found) > 1:
        raise ParameterError("NAME", f"{args.name!r} is ambiguous; name one by its IRI",
                             candidates=[f"{index.display.get(f, f)} <{f}>" for f in found])
    entity = found[0]
    result = resolve(kg.dataset, entity, on, basis=args.basis)

    def name(iri: object) -> str:
        return index.display.get(iri, str(iri)) if isinstance(iri, URIRef) else str(iri)

    def change_dict(c: object) -> dict[str, object]:
        from itops.lineage import Change

        assert isinstance(c, Change)
        return {"change": str(c.iri), "kind": c.kind, "from": [name(o) for o in c.originals],
                "to": [name(r) for r in c.results], "legal_date": c.legal.isoformat() if c.legal else None,
                "operational_date": c.operational.isoformat() if c.operational else None, "precision": c.precision,
                "instrument": c.instrument, "note": c.note,
                "delegated_to": [name(d) for d in c.delegated_to], "accountable": [name(a) for a in c.accountable],
                "sources": [{"title": e.title, "url": e.url, "excerpt": e.excerpt} for e in c.evidence]}

    if args.format == "json":
        data = {"name": name(entity), "iri": str(entity), "on": on.isoformat(),
                "stands_for": [name(c) for c in result.current], "chain": [change_dict(c) for c in result.chain],
                "delegations": [change_dict(c) for c in result.delegations],
                "successor_of": [change_dict(c) for c in result.predecessors]}
        _emit(args, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
        return 0
    lines = [f"{name(entity)} on {on.isoformat()}: {', '.join(name(c) for c in result.current)}"]
    if not result.chain:
        lines.append("  no change recorded up to that date")
    for c in result.chain:
        dates = "; ".join(x for x in (f"legal {c.legal.isoformat()}" if c.legal else "",
                                      f"operational {c.operational.isoformat()}" if c.operational else "") if x)
        lines.append(f"  {c.effective(args.basis).isoformat()}  {c.kind}: {', '.join(map(name, c.originals))} -> "
                     f"{', '.join(map(name, c.results))}  ({dates}{'; ' + c.precision + ' precision' if c.precision != 'day' else ''})")
        if c.instrument:
            lines.append(f"      instrument: {c.instrument}")
        if c.note:
            lines.append(f"      note: {c.note}")
        for e in c.evidence:
            lines.append(f"      source: {e.title} <{e.url}>: \"{e.excerpt}\"")
    for c in result.delegations:
        lines.append(f"  {c.effective(args.basis).isoformat()}  delegation: {c.iri.rsplit('/', 1)[-1]} — exercised by "
                     f"{', '.join(map(name, c.delegated_to))}; accountability stays with {', '.join(map(name, c.accountable))}")
    for c in result.predecessors:
        lines.append(f"  {name(entity)} is what {', '.join(map(name, c.originals))} became ({c.kind}, "
                     f"{c.effective(args.basis).isoformat()})")
    _emit(args, "\n".join(lines) + "\n")
    return 0


# ------------------------------------------------------------------------------------ synth


def cmd_synth(args: argparse.Namespace) -> int:
    """Write a synthetic register with injected rule breaks, and its manifest."""
    from itops.synth import default_manifest, generate, write_synthetic

    output = Path(args.output)
    if output.suffix not in (".csv", ".nt"):
        raise ParameterError("-o", f"{output}: write a register as .csv or .nt")
    manifest = Path(args.manifest) if args.manifest else default_manifest(output)
    check_outputs([], [("-o", output), ("--manifest", manifest)])
    try:
        rows, breaks = generate(args.organisations, seed=args.seed, violation_rate=args.violation_rate)
    except ValueError as err:
        raise ParameterError("--organisations/--violation-rate", str(err)) from None
    write_synthetic(rows, breaks, output, manifest)
    print(f"itops: {len(rows)} organisations written to {output}; {len(breaks)} injected breaks listed in {manifest}",
          file=sys.stderr)
    return 0


# ------------------------------------------------------------------------------------ docs


def cmd_docs(args: argparse.Namespace) -> int:
    """Write the documentation site, replacing the folder whole."""
    from itops.docs import build_site
    from itops.io import write_folder_atomic

    out = Path(args.output or "site")
    pages: list[Path] = []
    write_folder_atomic(out, lambda folder: pages.extend(build_site(folder)), marker=".itops-site")
    print(f"itops: {len(pages)} pages written to {out}", file=sys.stderr)
    return 0


# ------------------------------------------------------------------------------------ release


def cmd_release(args: argparse.Namespace) -> int:
    """Write the release files, replacing the folder whole."""
    from itops.release import build_release

    for path in build_release(Path(args.output or "release")):
        print(path)
    return 0


# ------------------------------------------------------------------------------------ parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the itops command line."""
    parser = argparse.ArgumentParser(
        prog="itops",
        description="NHS 'Securing excellence in IT Services' operating models as a knowledge graph.",
    )
    parser.add_argument("--version", action="version", version=f"itops {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, handler: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(handler=handler)
        return command

    info = add("info", cmd_info, "show what is loaded: sources, ontology size, statements per document")
    info.add_argument("files", nargs="*", metavar="FILE", help="extra RDF files (registers) to load")
    info.add_argument("--format", choices=("text", "json"), default="text")
    info.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")

    query = add("query", cmd_query, "run a named query (see --list)")
    query.add_argument("name", nargs="?", metavar="NAME", help="the query to run")
    query.add_argument("--list", action="store_true", help="list the named queries")
    query.add_argument("--help-query", action="store_true", help="describe NAME: its question, columns and parameters")
    query.add_argument("--param", "-p", action="append", metavar="NAME=VALUE", help="a query parameter (repeatable)")
    query.add_argument("--format", choices=QUERY_FORMATS, default="text")
    query.add_argument("--engine", choices=("auto", "rdflib", "oxigraph"), default="auto",
                       help="embedded engine: oxigraph (in-memory store, the default) or rdflib")
    query.add_argument("--file", "-f", dest="files", action="append", metavar="FILE", help="extra RDF file to load")
    query.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    _endpoint_options(query, required=False)

    push_cmd = add("push", cmd_push, "replace the itops graph of a SPARQL 1.1 store with the ontology, the documents and "
                   "any extra files, atomically (through a temporary graph and MOVE)")
    push_cmd.add_argument("files", nargs="*", metavar="FILE", help="extra files to push too: RDF or CSV registers")
    _endpoint_options(push_cmd, required=True)
    push_cmd.add_argument("--update", metavar="URL",
                          help="SPARQL Update URL (default: the --endpoint URL with /query or /sparql replaced by /update)")
    push_cmd.add_argument("--store", metavar="URL",
                          help="Graph Store Protocol URL (default: the --endpoint URL with /query or /sparql replaced by "
                               "/store; without one, or if the server has none, SPARQL Update INSERT DATA is used)")

    export = add("export", cmd_export, "export the ontology, the documents and any extra files")
    export.add_argument("--format", choices=sorted(EXPORT_FORMATS), default="ttl",
                        help="; ".join(f"{k}: {v[1]}" for k, v in EXPORT_FORMATS.items()))
    export.add_argument("--file", "-f", dest="files", action="append", metavar="FILE", help="extra RDF file to load")
    export.add_argument("--no-documents", action="store_true", help="export the ontology alone")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")

    validate = add("validate", cmd_validate, "check registers (CSV or RDF) and the documents against the documents' rules")
    validate.add_argument("files", nargs="*", metavar="REGISTER",
                          help="register files: CSV, .xlsx or .ods (see 'itops types'), or RDF")
    validate.add_argument("--format", choices=("text", "json", "csv", "ttl", "html"), default="text")
    validate.add_argument("--inference", choices=("none", "rdfs", "owlrl"), default="none")
    validate.add_argument("--engine", choices=("auto", "pyshacl", "oxigraph"), default="auto",
                          help="oxigraph (the shapes compiled to SPARQL; the default, 'auto') or pyshacl (the reference)")
    validate.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of standard output")
    validate.add_argument("--store", metavar="DIR",
                          help="keep the store on disk in DIR (new, empty, or made by itops before) for registers "
                               "larger than memory")
    _endpoint_options(validate, required=False)

    add("types", cmd_types, "list the organisation types a register's 'type' column accepts")

    rules_cmd = add("rules", cmd_rules, "list every obligation of the documents with the rule that enforces it, or why none can")
    rules_cmd.add_argument("--format", choices=("text", "csv"), default="text")
    rules_cmd.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")

    resolve_cmd = add("resolve", cmd_resolve, "what a 2013 body, system or standard stands for on a date, with the chain of changes")
    resolve_cmd.add_argument("name", metavar="NAME", help="a 2013 name, acronym or IRI (e.g. 'NHS CB', HSCIC, 'ISB 0160', N3)")
    resolve_cmd.add_argument("--on", metavar="DATE", help="the date, YYYY-MM-DD (default: today)")
    resolve_cmd.add_argument("--basis", choices=("operational", "legal"), default="operational",
                             help="which date of a change counts when both are known (default: operational)")
    resolve_cmd.add_argument("--format", choices=("text", "json"), default="text")
    resolve_cmd.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")

    synth = add("synth", cmd_synth, "write a synthetic register with the national mix of organisations and injected breaks")
    synth.add_argument("--organisations", type=int, required=True, metavar="N", help="how many organisations")
    synth.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (the same seed gives the same file)")
    synth.add_argument("--violation-rate", type=float, default=0.05, metavar="R", help="share of organisations with a break (0-1)")
    synth.add_argument("-o", "--output", required=True, metavar="FILE", help="the register: .csv or .nt")
    synth.add_argument("--manifest", metavar="FILE", help="the list of injected breaks (default FILE.breaks.csv)")

    docs = add("docs", cmd_docs, "write the documentation site: questions, rules and a timeline per 2013 body, system and standard")
    docs.add_argument("-o", "--output", metavar="DIR", help="output folder (default: site)")

    release = add("release", cmd_release, "write the release files (Turtle, RDF/XML, JSON-LD, N-Triples) deterministically")
    release.add_argument("-o", "--output", metavar="DIR", help="output folder (default: release)")
    return parser


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _endpoint_options(command: argparse.ArgumentParser, *, required: bool) -> None:
    command.add_argument("--endpoint", metavar="URL", required=required,
                         help="query URL of a SPARQL 1.1 endpoint (e.g. http://127.0.0.1:7878/query); credentials come "
                              "from ITOPS_ENDPOINT_USER/ITOPS_ENDPOINT_PASSWORD or ITOPS_ENDPOINT_TOKEN")
    command.add_argument("--graph", metavar="IRI",
                         help="the named graph holding the itops data in the store (default https://w3id.org/itops/graph)")
    command.add_argument("--timeout", metavar="S", type=_positive_seconds,
                         help="seconds to wait for the server (default 30)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the itops command line and return its exit status.

    0: ran, and (validate) no violation, (check) consistent, (diff) no new finding; 1: violations,
    inconsistent, new findings; 2: any failure to check (bad input, bad parameter, unreadable or
    unwritable file, server error, interruption). Every failure is one line on standard error,
    naming the file (and line) or the parameter; a traceback only with ``--debug``.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        with terminating_signals():
            return int(args.handler(args))
    except BaseException as err:  # noqa: BLE001 - every failure maps to one line and exit 2
        if isinstance(err, SystemExit):
            raise
        if args.debug and not isinstance(err, (KeyboardInterrupt, Terminated)):
            raise
        message = failure_message(err)
        if message:
            print(f"itops: {message}", file=sys.stderr)
        return 2


def failure_message(err: BaseException) -> str:
    """The one line that says what went wrong (empty for a closed output pipe)."""
    if isinstance(err, ItopsError):
        return str(err)
    if isinstance(err, (KeyboardInterrupt, Terminated)):
        return "interrupted; no output file was written or changed"
    if isinstance(err, BrokenPipeError):
        return ""
    if isinstance(err, OSError):
        where = err.filename if err.filename is not None else "a file"
        return f"{where}: {err.strerror or err}"
    if isinstance(err, csv.Error):
        return f"malformed CSV: {err}"
    return f"internal error ({type(err).__name__}: {err}); run with --debug for the traceback and report it"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
