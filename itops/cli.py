"""The ``itops`` command line: it parses arguments, calls the library and maps failures to exit codes.

Exit status (a contract; see the README): 0 ran and found nothing wrong; 1 found violations
(``validate``), an inconsistency (``check``) or new findings (``diff``); 2 any failure to check.
Results go to standard output (or ``-o FILE``, written atomically and never over an input),
diagnostics to standard error in one line; a traceback only with ``--debug``.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from itops import __version__
from itops.errors import ItopsError, ParameterError
from itops.graph import KnowledgeGraph
from itops.io import Terminated, check_outputs, emit, terminating_signals
from itops.reports import Kind, formats, render

# Each handler imports the library modules it runs, so that a command loads only what it needs: a
# validation never imports the site's templates, owlready2 or the endpoint client.

if TYPE_CHECKING:
    from itops.endpoint import Endpoint

EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    # --format: (rdflib format, description)
    "ttl": ("turtle", "Turtle, all sources merged"),
    "owl": ("xml", "RDF/XML, all sources merged (owlready2 and older OWL tools read it)"),
    "jsonld": ("json-ld", "JSON-LD, all sources merged"),
    "nt": ("nt", "N-Triples, all sources merged, sorted"),
    "trig": ("trig", "TriG, one named graph per source (ontology, shared, each document, each register)"),
}


def _load(args: argparse.Namespace) -> KnowledgeGraph:
    kg = KnowledgeGraph.bundled(documents=not getattr(args, "no_documents", False))
    for path in _inputs(args):
        kg.add_input(path)
    return kg


def _inputs(args: argparse.Namespace) -> list[str]:
    return [*(getattr(args, "files", None) or []), *(getattr(args, "shapes", None) or [])]


def _check_output(args: argparse.Namespace) -> None:
    """Refuse ``-o`` naming an input before any work is done."""
    if getattr(args, "output", None):
        check_outputs(_inputs(args), [("-o", Path(args.output))])


def _output(args: argparse.Namespace) -> Path | None:
    return Path(args.output) if getattr(args, "output", None) else None


def _emit(args: argparse.Namespace, data: str | bytes) -> None:
    """Write a command's result to ``-o FILE`` (atomically, never over an input) or to standard output."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    emit(payload, _output(args), inputs=_inputs(args), name="-o")


def _write(args: argparse.Namespace, kind: Kind, value: object, **options: object) -> None:
    _emit(args, render(kind, args.format, value, **options))


def _day(text: str | None, parameter: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ParameterError(parameter, f"expected a date as YYYY-MM-DD, got {text!r}") from None


# ------------------------------------------------------------------------------------ commands


def cmd_info(args: argparse.Namespace) -> int:
    """Show what is loaded: sources, ontology size, statements per document."""
    _check_output(args)
    _write(args, "info", _load(args).info(), version=__version__)
    return 0


def _parse_params(pairs: Sequence[str] | None) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ParameterError(pair, "write parameters as --param NAME=VALUE")
        params[key.strip()] = value.strip()
    return params


def cmd_query(args: argparse.Namespace) -> int:
    """Run a named query (see --list)."""
    from itops.query import all_queries, load_query
    from itops.reports.tables import queries_text, query_help_text

    if args.list or not args.name:
        _emit(args, queries_text(all_queries()))
        return 0
    query = load_query(args.name)
    if args.help_query:
        _emit(args, query_help_text(query))
        return 0
    params = _parse_params(args.param)
    if args.endpoint is None:
        for option, value in (("--graph", args.graph), ("--timeout", args.timeout)):
            if value is not None:
                raise ParameterError(option, "only applies with --endpoint URL")
    elif args.engine != "auto":
        raise ParameterError("--engine", "chooses an embedded engine; it does not apply with --endpoint URL")
    _check_output(args)
    kg = _load(args)
    if args.endpoint is not None:
        from itops.endpoint import query_endpoint

        # names are resolved against the embedded graph, exactly as for an embedded query; only execution is remote
        result = query_endpoint(kg, query, params, _endpoint(args))
    else:
        result = kg.query(query, params, engine=args.engine)
    _write(args, "query", result, title=query.title)
    return 0


def _endpoint(args: argparse.Namespace) -> Endpoint:
    """The endpoint named by ``--endpoint``, ``--graph`` and ``--timeout``."""
    from itops.endpoint import DEFAULT_GRAPH, DEFAULT_TIMEOUT, Endpoint

    timeout = DEFAULT_TIMEOUT if args.timeout is None else args.timeout
    return Endpoint(args.endpoint, graph=args.graph or DEFAULT_GRAPH, timeout=timeout)


def cmd_push(args: argparse.Namespace) -> int:
    """Replace the itops graph of a SPARQL 1.1 store with the ontology, the documents and any extra
    files, atomically (through a temporary graph and MOVE)."""
    from itops.endpoint import default_store_url, push
    from itops.errors import InputError

    endpoint = _endpoint(args)
    try:
        kg = _load(args)
    except InputError as err:
        raise InputError(
            err.path,
            f"{err.reason}; nothing was sent: graph <{endpoint.graph}> is unchanged",
            line=err.line,
            column=err.column,
        ) from None
    store, required = (args.store, True) if args.store else (default_store_url(endpoint.url), False)
    progress = (lambda message: print(f"itops: {message}", file=sys.stderr)) if sys.stderr.isatty() else None
    result = push(
        kg.union(), endpoint, update_url=args.update, store_url=store, store_required=required, progress=progress
    )
    print(f"itops: {result.summary()}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Export the ontology, the documents and any extra files."""
    from itops.release import serialize, trig

    _check_output(args)
    kg = _load(args)
    fmt = EXPORT_FORMATS[args.format][0]
    _emit(args, trig(kg) if fmt == "trig" else serialize(kg.union(), fmt, canonical=True))  # type: ignore[arg-type]
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Check registers (CSV, spreadsheets or RDF) and the documents against the documents' rules; or,
    with --shapes, any RDF data against any SHACL shapes."""
    from itops.reports.validation import checked_line
    from itops.validate import validate_inputs

    _check_validate_options(args)
    inputs, output = _inputs(args), _output(args)
    endpoint = _endpoint(args) if args.endpoint is not None else None
    _check_output(args)  # before any work is done
    report = validate_inputs(
        args.files,
        engine=args.engine,
        inference=args.inference,
        shapes=args.shapes or (),
        endpoint=endpoint,
        progress=sys.stderr.isatty(),
        store_dir=Path(args.store) if args.store else None,
    )
    for notice in report.notices:
        print(f"itops: {notice}", file=sys.stderr)
    options = {"site_url": args.site_url} if args.format == "html" and args.site_url else {}
    payload = render("validation", args.format, report, **options)
    emit(payload, output, inputs=inputs, name="-o")
    if output or args.format == "ttl":  # the standard SHACL report cannot say how much was checked: say it here
        counts = f"{len(report.violations)} violation(s), {len(report.warnings)} warning(s)"
        written = f" Report written to {output}" if output else ""
        print(f"itops: {counts}. {checked_line(report)}{written}", file=sys.stderr)
    return 0 if report.conforms else 1


def _check_validate_options(args: argparse.Namespace) -> None:
    """Refuse options of ``validate`` that do not go together, before anything is read."""
    if args.format is None:  # not given: the text report, or with --shapes the standard SHACL report
        args.format = "ttl" if args.shapes else formats("validation")[0]
    if args.shapes:
        if not args.files:
            raise ParameterError("DATA", "name the RDF data files to validate against --shapes")
        if args.format != "ttl":
            raise ParameterError("--format", "with --shapes the report is the standard SHACL report: use --format ttl")
        for option, given in (("--endpoint", args.endpoint), ("--store", args.store), ("--site-url", args.site_url)):
            if given:
                raise ParameterError(option, "does not apply with --shapes")
        if args.inference != "none":
            raise ParameterError("--inference", "does not apply with --shapes")
    elif args.endpoint is not None:
        if args.files:
            raise ParameterError(
                "REGISTER",
                "with --endpoint the data must already be in the store: load it with "
                "'itops push --endpoint URL REGISTER ...' and validate without files",
            )
        if args.inference != "none" or args.engine == "pyshacl" or args.store:
            raise ParameterError("--endpoint", "validation on an endpoint runs the compiled rules without inference")


def cmd_types(args: argparse.Namespace) -> int:
    """List the organisation types a register's 'type' column accepts."""
    from itops.register import organisation_types

    _write(args, "types", organisation_types(KnowledgeGraph.bundled(documents=False).lookup()))
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    """List every obligation of the documents with the rule that checks it, or why none can."""
    from itops.coverage import coverage

    _check_output(args)
    _write(args, "rules", coverage(KnowledgeGraph.bundled()))
    return 0


def cmd_obligations(args: argparse.Namespace) -> int:
    """The obligations that apply to a kind of organisation, or to one organisation of a register with
    the status of each (broken, met, does not arise, not recorded)."""
    from itops.obligations import obligations_for_organisation, obligations_for_type

    on = _day(args.on, "--on")
    _check_output(args)
    if (args.type is None) == (args.organisation is None):
        raise ParameterError("--type/--organisation", "give one: --type TYPE, or --organisation CODE REGISTER...")
    if args.type is not None:
        if args.files:
            raise ParameterError("REGISTER", "registers are read with --organisation CODE, not with --type")
        rows: object = obligations_for_type(KnowledgeGraph.bundled(), args.type, on=on)
    else:
        if not args.files:
            raise ParameterError("REGISTER", "name the register that holds the organisation")
        kg = KnowledgeGraph.bundled()
        for path in args.files:
            kg.add_register(path)
        rows = obligations_for_organisation(kg, args.organisation, on=on, inference=args.inference)
    _write(args, "obligations", rows)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Check with HermiT that the ontology, the documents and any registers are consistent (0
    consistent, 1 inconsistent, 2 failure); explains an inconsistency in words."""
    from itops.check import check

    kg = _load(args)
    result = check(kg)
    print("\n".join(result.explanation()))
    return 0 if result.consistent else 1


def cmd_diff(args: argparse.Namespace) -> int:
    """What changed between two validation reports (--format json files) or two versions of the graph
    (folders or release files): 0 nothing new, 1 new findings or changes, 2 failure."""
    from itops.diff import diff_paths, exit_status

    _check_output(args)
    diff = diff_paths(Path(args.old), Path(args.new))
    _write(args, "diff", diff)
    return exit_status(diff)


def cmd_resolve(args: argparse.Namespace) -> int:
    """What a 2013 body, system or standard stands for on a date, with the chain of changes."""
    from itops.lineage import resolve_name

    on = _day(args.on, "--on") or date.today()
    _check_output(args)
    _write(args, "resolve", resolve_name(KnowledgeGraph.bundled(), args.name, on, basis=args.basis))
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    """Write a synthetic register with the national mix of organisations and injected breaks."""
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
    print(
        f"itops: {len(rows)} organisations written to {output}; {len(breaks)} injected breaks listed in {manifest}",
        file=sys.stderr,
    )
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    """Write the documentation site: documents, grids, parties, rules, ontology, diagrams, timelines,
    search."""
    from itops.docsite import EXAMPLE_REGISTER, build_site
    from itops.io import write_folder_atomic

    out = Path(args.output or "site")
    # the example register of the checkout itops runs in (or from), if there is one
    default = next((r for r in (Path("examples/register.csv"), EXAMPLE_REGISTER) if r.is_file()), None)
    register = None if args.no_register else Path(args.register) if args.register else default
    if register is not None:
        check_outputs([register], [("-o", out)])
    pages: list[Path] = []
    write_folder_atomic(out, lambda folder: pages.extend(build_site(folder, register=register)), marker=".itops-site")
    print(f"itops: {len(pages)} pages written to {out}", file=sys.stderr)
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    """Write the release files (Turtle, RDF/XML, JSON-LD, N-Triples) deterministically."""
    from itops.release import build_release

    for path in build_release(Path(args.output or "release")):
        print(path)
    return 0


# ------------------------------------------------------------------------------------ parser


#: Every command and its handler; the handler's docstring is the help shown by ``itops --help`` and
#: ``itops COMMAND --help``.
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "info": cmd_info,
    "query": cmd_query,
    "push": cmd_push,
    "export": cmd_export,
    "validate": cmd_validate,
    "types": cmd_types,
    "rules": cmd_rules,
    "obligations": cmd_obligations,
    "check": cmd_check,
    "diff": cmd_diff,
    "resolve": cmd_resolve,
    "synth": cmd_synth,
    "docs": cmd_docs,
    "release": cmd_release,
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the itops command line; every --format choice comes from the writers' registry."""
    parser = argparse.ArgumentParser(
        prog="itops",
        description="NHS 'Securing excellence in IT Services' operating models as a knowledge graph.",
    )
    parser.add_argument("--version", action="version", version=f"itops {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str) -> argparse.ArgumentParser:
        handler = COMMANDS[name]
        help_text = " ".join((handler.__doc__ or "").split())
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(handler=handler)
        return command

    def output(command: argparse.ArgumentParser, kind: Kind | None = None) -> None:
        if kind is not None:
            command.add_argument("--format", choices=formats(kind), default=formats(kind)[0])
        command.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")

    info = add("info")
    info.add_argument("files", nargs="*", metavar="FILE", help="extra files to load: registers (CSV, RDF)")
    output(info, "info")

    query = add("query")
    query.add_argument("name", nargs="?", metavar="NAME", help="the query to run")
    query.add_argument("--list", action="store_true", help="list the named queries")
    query.add_argument("--help-query", action="store_true", help="describe NAME: its question, columns and parameters")
    query.add_argument("--param", "-p", action="append", metavar="NAME=VALUE", help="a query parameter (repeatable)")
    query.add_argument(
        "--engine",
        choices=("auto", "rdflib", "oxigraph"),
        default="auto",
        help="embedded engine: oxigraph (in-memory store, the default) or rdflib",
    )
    query.add_argument("--file", "-f", dest="files", action="append", metavar="FILE", help="extra file to load")
    output(query, "query")
    _endpoint_options(query, required=False)

    push_cmd = add("push")
    push_cmd.add_argument("files", nargs="*", metavar="FILE", help="extra files to push too: RDF or CSV registers")
    _endpoint_options(push_cmd, required=True)
    push_cmd.add_argument(
        "--update",
        metavar="URL",
        help="SPARQL Update URL (default: found from the server's service description, else "
        "…/update, else the --endpoint URL itself)",
    )
    push_cmd.add_argument(
        "--store",
        metavar="URL",
        help="Graph Store Protocol URL (default: the --endpoint URL with /query or /sparql replaced "
        "by /store; if the server has none there, SPARQL Update INSERT DATA is used)",
    )

    export = add("export")
    export.add_argument(
        "--format",
        choices=sorted(EXPORT_FORMATS),
        default="ttl",
        help="; ".join(f"{k}: {v[1]}" for k, v in EXPORT_FORMATS.items()),
    )
    export.add_argument("--file", "-f", dest="files", action="append", metavar="FILE", help="extra file to load")
    export.add_argument("--no-documents", action="store_true", help="export the ontology alone")
    output(export)

    validate = add("validate")
    validate.add_argument(
        "files", nargs="*", metavar="REGISTER", help="register files: CSV, .xlsx or .ods (see 'itops types'), or RDF"
    )
    output(validate, "validation")
    validate.set_defaults(format=None)  # text, or with --shapes the standard SHACL report (ttl)
    validate.add_argument(
        "--inference",
        choices=("none", "rdfs", "owlrl"),
        default="none",
        help="add the ontology's RDFS or OWL RL entailments to the data before the rules run",
    )
    validate.add_argument(
        "--engine",
        choices=("auto", "pyshacl", "oxigraph"),
        default="auto",
        help="oxigraph (the shapes compiled to SPARQL; the default, 'auto') or pyshacl (the reference)",
    )
    validate.add_argument(
        "--store",
        metavar="DIR",
        help="keep the store on disk in DIR (new, empty, or made by itops before) for registers larger than memory",
    )
    validate.add_argument(
        "--shapes",
        action="append",
        metavar="FILE",
        help="validate the data files against these SHACL shapes instead of the documents' rules "
        "(repeatable; writes the standard SHACL report, in Turtle)",
    )
    validate.add_argument(
        "--site-url",
        metavar="URL",
        help="with --format html: link each finding to its rule and party pages of the site at URL",
    )
    _endpoint_options(validate, required=False)

    types = add("types")
    output(types, "types")

    rules_cmd = add("rules")
    output(rules_cmd, "rules")

    obligations = add("obligations")
    obligations.add_argument("--type", metavar="TYPE", help="a kind of organisation (see 'itops types')")
    obligations.add_argument("--organisation", metavar="CODE", help="the ODS code of an organisation of the registers")
    obligations.add_argument("files", nargs="*", metavar="REGISTER", help="the registers (with --organisation)")
    obligations.add_argument("--on", metavar="DATE", help="name the bodies as they were on DATE (YYYY-MM-DD)")
    obligations.add_argument(
        "--inference",
        choices=("none", "rdfs", "owlrl"),
        default="none",
        help="with --organisation: add the ontology's entailments before the rules run",
    )
    output(obligations, "obligations")

    check_cmd = add("check")
    check_cmd.add_argument("files", nargs="*", metavar="FILE", help="registers to check too (CSV or RDF)")

    diff = add("diff")
    diff.add_argument("old", metavar="OLD")
    diff.add_argument("new", metavar="NEW")
    output(diff, "diff")

    resolve_cmd = add("resolve")
    resolve_cmd.add_argument(
        "name", metavar="NAME", help="a 2013 name, acronym or IRI (e.g. 'NHS CB', HSCIC, 'ISB 0160')"
    )
    resolve_cmd.add_argument("--on", metavar="DATE", help="the date, YYYY-MM-DD (default: today)")
    resolve_cmd.add_argument(
        "--basis",
        choices=("operational", "legal"),
        default="operational",
        help="which date of a change counts when both are known (default: operational)",
    )
    output(resolve_cmd, "resolve")

    synth = add("synth")
    synth.add_argument("--organisations", type=int, required=True, metavar="N", help="how many organisations")
    synth.add_argument(
        "--seed", type=int, default=0, metavar="S", help="random seed (the same seed gives the same file)"
    )
    synth.add_argument(
        "--violation-rate", type=float, default=0.05, metavar="R", help="share of organisations with a break (0-1)"
    )
    synth.add_argument("-o", "--output", required=True, metavar="FILE", help="the register: .csv or .nt")
    synth.add_argument("--manifest", metavar="FILE", help="the list of injected breaks (default FILE.breaks.csv)")

    docs = add("docs")
    docs.add_argument("-o", "--output", metavar="DIR", help="output folder (default: site)")
    which = docs.add_mutually_exclusive_group()
    which.add_argument(
        "--register",
        metavar="FILE",
        help="show this register's findings on the rule pages (default: the example register)",
    )
    which.add_argument("--no-register", action="store_true", help="show no register's findings on the rule pages")

    release = add("release")
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
    command.add_argument(
        "--endpoint",
        metavar="URL",
        required=required,
        help="query URL of a SPARQL 1.1 endpoint (e.g. http://127.0.0.1:7878/query); credentials come "
        "from ITOPS_ENDPOINT_USER/ITOPS_ENDPOINT_PASSWORD or ITOPS_ENDPOINT_TOKEN",
    )
    command.add_argument(
        "--graph",
        metavar="IRI",
        help="the named graph holding the itops data in the store (default https://w3id.org/itops/graph)",
    )
    command.add_argument(
        "--timeout", metavar="S", type=_positive_seconds, help="seconds to wait for the server (default 30)"
    )


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
