"""The loader: every file a user gives itops is checked and read here, and every store is built here.

One straight path for each input: :func:`check_input` (it exists, is a regular readable file of a
known kind), then :func:`read_input` (a CSV register through :class:`itops.register.RegisterReader`,
anything else as RDF), then the checks that make "nothing found" trustworthy
(:func:`check_loaded`): every register yields at least one organisation, no literal is ill-typed,
and an ODS code that two inputs share has the same name and type in both. The Oxigraph stores the
engines run on are built by :func:`store_from_graph` and :func:`store_from_inputs`.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict, cast
from typing import Literal as TypingLiteral

import pyoxigraph as ox
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from itops.errors import InputError, OutputError, ParameterError
from itops.lineage import NOT_MAPPED, Equivalents, equivalents
from itops.namespace import ITOPS
from itops.query import NameIndex
from itops.register import RegisterReader, TripleSink, csv_records
from itops.resources import resource_files
from itops.terms import ReadableGraph, StoreGraph, quiet_rdflib, select, to_rdflib

if TYPE_CHECKING:
    from itops.endpoint import Endpoint

Inference = TypingLiteral["none", "rdfs", "owlrl"]
EngineName = TypingLiteral["oxigraph", "pyshacl"]

#: RDF files by extension: (rdflib parser name, Oxigraph format or None where Oxigraph has no parser).
RDF_FORMATS: dict[str, tuple[str, ox.RdfFormat | None]] = {
    suffix: (parser, oxigraph)
    for parser, oxigraph, suffixes in (
        ("turtle", ox.RdfFormat.TURTLE, (".ttl", ".turtle")),
        ("nt", ox.RdfFormat.N_TRIPLES, (".nt", ".ntriples")),
        ("nquads", ox.RdfFormat.N_QUADS, (".nq",)),
        ("trig", ox.RdfFormat.TRIG, (".trig",)),
        ("xml", ox.RdfFormat.RDF_XML, (".rdf", ".owl", ".xml")),
        ("json-ld", ox.RdfFormat.JSON_LD, (".jsonld", ".json")),
        ("n3", ox.RdfFormat.N3, (".n3",)),
    )
    for suffix in suffixes
}
#: Register tables by extension: CSV, and the spreadsheets governance staff keep (read by python-calamine).
TABLE_FORMATS = (".csv", ".xlsx", ".xlsm", ".xls", ".ods")
SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")

_XSD = "http://www.w3.org/2001/XMLSchema#"
#: Literals whose lexical form does not fit their datatype: a cast to the datatype fails.
_ILL_TYPED = f"""
PREFIX xsd: <{_XSD}>
SELECT ?s ?p ?o WHERE {{
  ?s ?p ?o FILTER(isLiteral(?o)) BIND(datatype(?o) AS ?t)
  FILTER(?t IN (xsd:boolean, xsd:dateTime, xsd:date, xsd:integer, xsd:decimal, xsd:double, xsd:float))
  BIND(IF(?t = xsd:boolean, xsd:boolean(STR(?o)), IF(?t = xsd:dateTime, xsd:dateTime(STR(?o)),
       IF(?t = xsd:date, xsd:date(STR(?o)), IF(?t = xsd:integer, xsd:integer(STR(?o)),
       IF(?t = xsd:decimal, xsd:decimal(STR(?o)), IF(?t = xsd:float, xsd:float(STR(?o)),
       xsd:double(STR(?o)))))))) AS ?ok)
  FILTER(!BOUND(?ok))
}} LIMIT 1
"""


@dataclass(frozen=True)
class Input:
    """A file named by the user, checked to be a readable regular file of a known kind."""

    path: Path
    shown: str
    kind: str  # "table" or "rdf"

    @property
    def suffix(self) -> str:
        """The file's extension, lower-case."""
        return self.path.suffix.lower()

    @property
    def graph_iri(self) -> str:
        """The named graph the file is loaded into: its file URI."""
        return self.path.resolve().as_uri()


def check_input(path: str | Path) -> Input:
    """Check that ``path`` is a readable regular file itops can read, before anything opens it.

    A folder, a named pipe or a device is refused (a pipe would hang the reader).

    Raises:
        InputError: missing, not a regular file, unreadable, or of an unknown kind.
    """
    shown = str(path)
    file = Path(path)
    try:
        mode = file.stat().st_mode
    except FileNotFoundError:
        raise InputError(shown, "no such file") from None
    except OSError as err:
        raise InputError(shown, f"cannot read: {err.strerror or err}") from None
    if stat.S_ISDIR(mode):
        raise InputError(shown, "is a folder; name a file")
    if not stat.S_ISREG(mode):
        raise InputError(shown, "is not a regular file (a pipe, socket or device); name a file")
    suffix = file.suffix.lower()
    if suffix in TABLE_FORMATS:
        kind = "table"
    elif suffix in RDF_FORMATS:
        kind = "rdf"
    else:
        known = ", ".join(sorted((*TABLE_FORMATS, *RDF_FORMATS)))
        raise InputError(shown, f"unknown file type {suffix or '(none)'!r}; use one of {known}")
    try:
        with open(file, "rb") as handle:
            handle.read(1)
    except OSError as err:
        raise InputError(shown, f"cannot read: {err.strerror or err}") from None
    return Input(file, shown, kind)


def read_bytes(source: Input) -> bytes:
    """The bytes of ``source``.

    Raises:
        InputError: the file cannot be read.
    """
    try:
        return source.path.read_bytes()
    except OSError as err:
        raise InputError(source.shown, f"cannot read: {err.strerror or err}") from None


def read_text(source: Input, *, encoding: str = "utf-8") -> str:
    """The text of ``source``, which must be UTF-8.

    Raises:
        InputError: the file cannot be read or is not UTF-8 (the message gives the line).
    """
    data = read_bytes(source)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InputError(
            source.shown, f"not UTF-8 text ({err.reason} at byte {err.start}); save it as UTF-8", line=line
        ) from None


def parse_rdf(text: str, shown: str, fmt: str, *, public_id: str) -> Graph:
    """Parse RDF ``text`` (named ``shown`` in messages) in rdflib format ``fmt``, refusing ill-typed literals.

    Raises:
        InputError: a syntax error (with its line where the parser gives one) or an ill-typed literal.
    """
    graph = Graph()
    with quiet_rdflib():
        try:
            graph.parse(data=text, format=fmt, publicID=public_id)
        except BadSyntax as err:
            line = getattr(err, "lines", None)
            reason = getattr(err, "_why", None) or str(err)
            raise InputError(shown, f"syntax error: {reason}", line=None if line is None else line + 1) from None
        except Exception as err:  # rdflib raises many parser-specific types; all mean bad input here
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise InputError(shown, f"cannot parse as {fmt}: {first}") from None
    for term in graph.objects():
        if isinstance(term, Literal) and term.ill_typed:
            _ill_typed(shown, text, str(term), str(term.datatype))
    return graph


def _ill_typed(shown: str, text: str, lexical: str, datatype: str) -> None:
    line = _line_of(text, lexical)
    short = datatype.replace(_XSD, "xsd:")
    raise InputError(shown, f"ill-typed literal {lexical!r}: not a valid {short}", line=line)


def _line_of(text: str, lexical: str) -> int | None:
    match = re.search(re.escape(f'"{lexical}"'), text)
    return None if match is None else text.count("\n", 0, match.start()) + 1


def read_input(source: Input, bundled: ReadableGraph, *, names: NameIndex | None = None) -> Graph:
    """Read a checked input into an RDF graph: a CSV register through the register reader, RDF as RDF.

    ``bundled`` holds the ontology and documents, against which a register's names are resolved.

    Raises:
        InputError: the file is malformed; the message names the file, line and (for CSV) column.
    """
    if source.kind == "rdf":
        fmt = RDF_FORMATS[source.suffix][0]
        return parse_rdf(read_text(source), source.shown, fmt, public_id=source.graph_iri)
    graph = Graph()
    read_table(source, bundled, graph, names=names)
    return graph


def read_table(
    source: Input, lookup: ReadableGraph, sink: TripleSink, *, names: NameIndex | None = None, progress: bool = False
) -> int:
    """Read a register table (CSV or a spreadsheet's first sheet) row by row into ``sink``; return its rows.

    CSV is read as a stream (bounded memory whatever its size); ``lookup`` resolves the names of
    types, systems, standards and bodies.

    Raises:
        InputError: the file is malformed (file, line or sheet and row, and column), or holds no data row.
    """
    reader = RegisterReader(lookup, names)
    if source.suffix in SPREADSHEETS:
        sheet, records = spreadsheet_records(source)
        rows = reader.read_records(records, f"{source.shown}:{sheet}", sink)
    else:
        rows = _read_csv_stream(source, reader, sink, progress=progress)
    if rows == 0:
        raise InputError(source.shown, "holds no data row; nothing to check")
    return rows


def _read_csv_stream(source: Input, reader: RegisterReader, sink: TripleSink, *, progress: bool) -> int:
    size = source.path.stat().st_size
    try:
        with open(source.path, "rb") as raw, _progress(f"reading {source.path.name}", size, progress) as advance:
            counted = _CountingReader(raw, advance)
            text = io.TextIOWrapper(io.BufferedReader(counted), encoding="utf-8-sig", newline="")
            try:
                return reader.read_records(csv_records(text), source.shown, sink)
            except csv.Error as err:  # e.g. a cell over the csv module's field size limit
                raise InputError(source.shown, f"malformed CSV: {err}") from None
    except UnicodeDecodeError:
        read_text(source)  # names the line of the first byte that is not UTF-8
        raise
    except OSError as err:
        raise InputError(source.shown, f"cannot read: {err.strerror or err}") from None


class _CountingReader(io.RawIOBase):
    """A binary reader that reports how many bytes have been read (for a progress bar)."""

    def __init__(self, raw: io.BufferedReader, advance: Callable[[int], None]) -> None:
        self._raw = raw
        self._advance = advance

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = self._raw.readinto(buffer)
        self._advance(n or 0)
        return n or 0


@contextmanager
def _progress(label: str, total: int, show: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar on standard error when ``show`` (a terminal); yields the function that advances it."""
    if not show:
        yield lambda n: None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn  # only on a terminal

    with Progress(
        "[progress.description]{task.description}", BarColumn(), DownloadColumn(), TimeRemainingColumn(), transient=True
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.update(task, advance=n)


def spreadsheet_records(source: Input) -> tuple[str, Iterator[tuple[int, list[str]]]]:
    """The first worksheet of an .xlsx/.ods workbook: its name, and its rows as ``(row number, cells as text)``.

    Raises:
        InputError: the file is not a workbook calamine can read, or has no worksheet.
    """
    import python_calamine  # only for spreadsheet registers

    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(source.path))
        names = workbook.sheet_names
        if not names:
            raise InputError(source.shown, "the workbook has no worksheet")
        sheet = workbook.get_sheet_by_name(names[0])
        rows = sheet.to_python(skip_empty_area=False)
    except InputError:
        raise
    except Exception as err:  # calamine raises its own error types for unreadable workbooks
        raise InputError(source.shown, f"cannot read as a spreadsheet: {err}") from None
    return names[0], ((i, [_cell_text(cell) for cell in row]) for i, row in enumerate(rows, start=1))


def _cell_text(cell: object) -> str:
    """A spreadsheet cell as the text a CSV cell would hold (numbers without a trailing .0, dates as ISO)."""
    if cell is None or cell == "":
        return ""
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, (datetime.datetime, datetime.date)):
        return (
            cell.isoformat()[:10]
            if isinstance(cell, datetime.datetime) and cell.time() == datetime.time()
            else cell.isoformat()
        )
    return str(cell)


class StoreSink:
    """Takes a register's triples and loads them into a named graph of a store in batches.

    No rdflib graph is built: each triple becomes one line of Turtle (rdflib's own ``n3()``, which
    writes a value with a line break as a long string, so the lines are Turtle, not N-Triples), and
    Oxigraph bulk-loads every batch on a thread of its own (it does not hold Python's lock), while
    the next rows are read. At most one batch waits. Use it as a context manager: leaving the block
    loads what is left and waits for it, so that the store is complete (or the error raised) after.
    """

    def __init__(self, store: ox.Store, graph: ox.NamedNode | ox.DefaultGraph, *, batch: int = 200_000) -> None:
        self.store = store
        self.graph = graph
        self.batch = batch
        self.lines: list[str] = []
        self.count = 0
        self._n3: dict[Node, str] = {}  # predicates, types, systems and standards repeat on every row
        self._loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="itops-load")
        self._loading: Future[None] | None = None
        self._interval = sys.getswitchinterval()

    def add(self, triple: tuple[Node, Node, Node], /) -> None:
        """Take one triple."""
        n3 = self._n3
        s, p, o = triple
        subject, predicate, value = n3.get(s), n3.get(p), n3.get(o)
        if subject is None or predicate is None or value is None:
            if len(n3) > 50_000:  # mostly subjects that will not come back: start again
                n3.clear()
            subject = n3[s] = subject or s.n3()
            predicate = n3[p] = predicate or p.n3()
            value = n3[o] = value or o.n3()
        self.lines.append(f"{subject} {predicate} {value} .\n")
        if len(self.lines) >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Hand the triples taken so far to Oxigraph (once the batch before them is loaded)."""
        self._wait()
        if self.lines:
            data = "".join(self.lines).encode("utf-8")
            self.count += len(self.lines)
            self.lines = []
            self._loading = self._loader.submit(
                self.store.bulk_load, data, format=ox.RdfFormat.TURTLE, to_graph=self.graph
            )

    def _wait(self) -> None:
        loading, self._loading = self._loading, None
        if loading is not None:
            loading.result()

    def __enter__(self) -> StoreSink:
        # The reading thread runs Python all the time; at the default switch interval (5 ms) the
        # loading thread can wait a whole batch for Python's lock just to start Oxigraph (measured).
        self._interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._interval, 0.001))
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: object) -> None:
        try:
            if kind is None:
                self.flush()
                self._wait()
            elif self._loading is not None:
                self._loading.cancel()
                wait([self._loading])  # the store must not be loading when the error reaches the caller
        finally:
            self._loader.shutdown(wait=True)
            sys.setswitchinterval(self._interval)


# ------------------------------------------------------------------------------------------------
# Checks that make an empty answer trustworthy
# ------------------------------------------------------------------------------------------------

_ORGANISATIONS = f"SELECT DISTINCT ?org ?code WHERE {{ ?org <{ITOPS.odsCode}> ?code }}"
_DESCRIPTION = (
    f"SELECT ?org ?code ?name ?type WHERE {{ ?org <{ITOPS.odsCode}> ?code "
    "OPTIONAL { ?org <http://www.w3.org/2000/01/rdf-schema#label> ?name } "
    "OPTIONAL { ?org a ?type FILTER(?type != <http://www.w3.org/2002/07/owl#NamedIndividual>) } }"
)


def organisation_count(graph: Graph) -> int:
    """How many organisations (subjects with an ODS code) ``graph`` holds."""
    return len({cast("tuple[Node, Node]", row)[0] for row in graph.query(_ORGANISATIONS)})


def check_register(source: Input, graph: Graph) -> None:
    """Refuse a register that holds no organisation: checking it would find nothing and look like a pass.

    Raises:
        InputError: naming the file.
    """
    if organisation_count(graph) == 0:
        what = "no data row" if source.kind == "table" else "no organisation (no subject with itops:odsCode)"
        raise InputError(source.shown, f"holds {what}; nothing to check")


Description = tuple[str, str | None, str | None]  # ODS code, name, type IRI


def describe_graph(graph: Graph) -> list[Description]:
    """The (ODS code, name, type) rows of the organisations in ``graph``."""
    out: list[Description] = []
    for row in graph.query(_DESCRIPTION):
        _, code, name, kind = cast("tuple[Node, Node, Node | None, Node | None]", row)
        out.append((str(code), None if name is None else str(name), None if kind is None else str(kind)))
    return out


def describe_store(store: ox.Store, graph_iri: str) -> list[Description]:
    """The (ODS code, name, type) rows of the organisations in one named graph of ``store``."""
    out: list[Description] = []
    for solution in select(store, _DESCRIPTION, default_graph=ox.NamedNode(graph_iri)):
        name, kind = solution["name"], solution["type"]
        out.append(
            (
                str(_value(solution["code"])),
                None if name is None else _value(name),
                None if kind is None else _value(kind),
            )
        )
    return out


def _value(term: object) -> str:
    return term.value if isinstance(term, (ox.NamedNode, ox.Literal, ox.BlankNode)) else str(term)


def check_consistent(registers: Sequence[tuple[str, Iterable[Description]]]) -> None:
    """Refuse an ODS code that two inputs describe with a different name or type.

    ``registers`` pairs each input's name with its :func:`describe_graph` rows. Multi-valued cells
    (systems, standards, assurances) are merged; a name and a type are single-valued.

    Raises:
        InputError: naming the code, the two files and the two values.
    """
    seen: dict[str, tuple[str, str, frozenset[str]]] = {}
    for shown, rows in registers:
        names: dict[str, set[str]] = {}
        types: dict[str, set[str]] = {}
        for code, name, kind in rows:
            names.setdefault(code, set())
            types.setdefault(code, set())
            if name is not None:
                names[code].add(name)
            if kind is not None:
                types[code].add(kind)
        for code in sorted(names):
            name = "; ".join(sorted(names[code]))
            kinds = frozenset(types[code])
            if code in seen:
                other, other_name, other_kinds = seen[code]
                if other_name and name and other_name != name:
                    raise InputError(
                        shown,
                        f"ODS code {code} is named {name!r} here but {other_name!r} in {other}; "
                        "an organisation has one name: correct one of the files",
                    )
                if other_kinds and kinds and other_kinds != kinds:
                    raise InputError(
                        shown,
                        f"ODS code {code} has type {_short(kinds)} here but {_short(other_kinds)} "
                        f"in {other}; an organisation has one type: correct one of the files",
                    )
            else:
                seen[code] = (shown, name, kinds)


def _short(types: Iterable[str]) -> str:
    return ", ".join(sorted(t.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for t in types))


# ------------------------------------------------------------------------------------------------
# Oxigraph stores
# ------------------------------------------------------------------------------------------------


def store_from_graph(graph: Graph) -> ox.Store:
    """An in-memory Oxigraph store holding the triples of ``graph`` in its default graph."""
    store = ox.Store()
    store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


def ontology_graph() -> Graph:
    """The packaged ontology as an rdflib graph (for entailments and reasoning)."""
    graph = Graph()
    for file in resource_files("ontology", ".ttl"):
        graph.parse(data=file.read_text(encoding="utf-8"), format="turtle")
    return graph


def load_bundled(store: ox.Store, *, documents: bool = True) -> None:
    """Load the packaged ontology (and, unless ``documents`` is False, the documents) into ``store``."""
    for folder in ("ontology", "data") if documents else ("ontology",):
        for file in resource_files(folder, ".ttl"):
            store.load(file.read_bytes(), format=ox.RdfFormat.TURTLE)


def check_store(
    store: ox.Store,
    shown: str,
    text: Callable[[], str] | None = None,
    *,
    graph: ox.NamedNode | ox.DefaultGraph | None = None,
) -> None:
    """Refuse ill-typed literals in a graph of a store loaded straight from a file (no rdflib on that path).

    Raises:
        InputError: naming the file and, where ``text`` gives the file's text, the line.
    """
    for solution in select(store, _ILL_TYPED, default_graph=graph):
        value = solution["o"]
        if isinstance(value, ox.Literal):
            body = text() if text is not None else ""
            _ill_typed(shown, body, value.value, value.datatype.value)


def syntax_error(shown: str, err: SyntaxError) -> InputError:
    """The input error for a syntax error Oxigraph raised while reading ``shown``, with its line and column."""
    text = str(err)
    match = re.search(r"line (\d+)(?: column (\d+))?", text)
    line = int(match.group(1)) if match else getattr(err, "lineno", None)
    column = int(match.group(2)) if match and match.group(2) else None
    first = text.splitlines()[0] if text else "syntax error"
    return InputError(shown, f"syntax error: {first}", line=line, column=column)


def bulk_load(
    store: ox.Store,
    source: Input,
    graph: ox.NamedNode | ox.DefaultGraph,
    *,
    progress: bool = False,
    register: bool = True,
    later: list[Callable[[], None]] | None = None,
) -> None:
    """Load an RDF input straight into ``graph`` of ``store`` (bounded memory, no rdflib).

    A ``register`` must hold a subject with an ODS code and no ill-typed literal; other data (for
    ``validate --shapes``) is taken as it is, its ill-typed literals being for ``sh:datatype`` to report.
    With ``later``, the scan for ill-typed literals (a pass over every triple) is put there to be run
    by the caller (:func:`opened_inputs` runs it beside the engine) instead of now.

    Raises:
        InputError: a syntax error, with the line where Oxigraph gives one, or an ill-typed literal.
    """
    fmt = RDF_FORMATS[source.suffix][1]
    if fmt is None:
        raise InputError(source.shown, "this file type is read through rdflib; it cannot be bulk-loaded")
    try:
        if progress:
            _bulk_load_with_progress(store, source, fmt, graph)
        else:
            store.bulk_load(path=str(source.path), format=fmt, to_graph=graph, base_iri=source.graph_iri)
    except SyntaxError as err:
        raise syntax_error(source.shown, err) from None
    except (OSError, ValueError) as err:
        raise InputError(source.shown, f"cannot read: {getattr(err, 'strerror', None) or err}") from None
    if not register:
        return

    def scan() -> None:
        check_store(store, source.shown, lambda: source.path.read_text(encoding="utf-8", errors="replace"), graph=graph)

    if later is None:
        scan()
    else:
        later.append(scan)
    if not bool(store.query(f"ASK {{ ?o <{ITOPS.odsCode}> ?c }}", default_graph=graph)):
        raise InputError(source.shown, "holds no organisation (no subject with itops:odsCode); nothing to check")


def _bulk_load_with_progress(
    store: ox.Store, source: Input, fmt: ox.RdfFormat, graph: ox.NamedNode | ox.DefaultGraph
) -> None:
    with (
        open(source.path, "rb") as raw,
        _progress(f"loading {source.path.name}", source.path.stat().st_size, True) as advance,
    ):
        store.bulk_load(
            io.BufferedReader(_CountingReader(raw, advance)), format=fmt, to_graph=graph, base_iri=source.graph_iri
        )


def store_from_inputs(
    paths: Sequence[str],
    *,
    documents: bool = True,
    progress: bool = False,
    store_dir: Path | None = None,
    later: list[Callable[[], None]] | None = None,
) -> ox.Store:
    """An Oxigraph store holding the bundled ontology and documents and the given registers, each checked.

    RDF registers are bulk-loaded and CSV registers streamed straight into the store (bounded
    memory, no rdflib graph). Each register goes into its own named graph first and must hold an
    organisation; ODS codes shared by two registers must agree on name and type; then all are added
    to the default graph the engine reads. With ``store_dir`` the store is on disk
    (:func:`open_disk_store`), for registers beyond memory.

    Raises:
        InputError: a file is missing, unreadable, malformed, empty of organisations or inconsistent
            with another; the message names it.
        OutputError: ``store_dir`` cannot be used.

    With ``later`` (see :func:`opened_inputs`), the scan of a single RDF register for ill-typed
    literals is left there for the caller to run; several registers are scanned here, each in its
    own graph before the graphs are merged.
    """
    inputs = [check_input(path) for path in paths]
    store = open_disk_store(store_dir) if store_dir is not None else ox.Store()
    load_bundled(store, documents=documents)
    names: NameIndex | None = None  # built once, on the first table, from the store itself
    described: list[tuple[str, list[Description]]] = []
    # one register goes straight into the default graph the engine reads; several are checked one by
    # one in their own named graphs, then added to the default graph (ADD removes duplicate triples)
    single = len(inputs) == 1
    for source in inputs:
        graph: ox.NamedNode | ox.DefaultGraph = ox.DefaultGraph() if single else ox.NamedNode(source.graph_iri)
        if source.kind == "rdf" and RDF_FORMATS[source.suffix][1] is not None:
            bulk_load(store, source, graph, progress=progress, later=later if single else None)
        elif source.kind == "table":
            lookup = StoreGraph(store)
            names = names or NameIndex.build(lookup)
            with StoreSink(store, graph) as sink:
                read_table(source, lookup, sink, names=names, progress=progress)
        else:
            parsed = read_input(source, StoreGraph(store))
            check_register(source, parsed)
            store.load(parsed.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
        if not single:
            described.append((source.shown, describe_store(store, source.graph_iri)))
    check_consistent(described)
    for source in [] if single else inputs:
        named = ox.NamedNode(source.graph_iri)
        store.update(f"ADD {named} TO DEFAULT ; DROP GRAPH {named}")  # ADD, not MOVE: MOVE empties the target
    return store


def graph_from_inputs(paths: Sequence[str]) -> Graph:
    """The bundled ontology and documents and the given registers in one rdflib graph, each register checked.

    What the reference engine (pySHACL) and the entailments read: rdflib parses every file, so
    every literal is as written. The checks are :func:`store_from_inputs`'s: each register must
    hold an organisation, and ODS codes shared by two registers must agree on name and type. A
    register's names resolve against the documents and the registers read before it.

    Raises:
        InputError: a file is missing, unreadable, malformed, empty of organisations or inconsistent
            with another; the message names it.
    """
    inputs = [check_input(path) for path in paths]
    data = Graph()
    for folder in ("ontology", "data"):
        for file in resource_files(folder, ".ttl"):
            data.parse(data=file.read_text(encoding="utf-8"), format="turtle")
    described: list[tuple[str, list[Description]]] = []
    for source in inputs:  # names resolve against ``data``: the documents and the registers read so far
        graph = read_input(source, data, names=NameIndex.build(data))
        check_register(source, graph)
        described.append((source.shown, describe_graph(graph)))
        data += graph
    check_consistent(described)
    return data


@contextmanager
def opened_inputs(paths: Sequence[str], *, progress: bool = False, store_dir: Path | None = None) -> Iterator[ox.Store]:
    """The store of :func:`store_from_inputs`, with the scan for ill-typed literals run beside the block.

    The scan reads every triple of the register; Oxigraph runs it on a thread of its own without
    Python's lock, while the block (the engine's checks) runs. Leaving the block waits for it: an
    ill-typed literal raises its :class:`InputError` then, in place of whatever the block made or
    raised, so a report is never returned for input that is refused.
    """
    later: list[Callable[[], None]] = []
    store = store_from_inputs(paths, progress=progress, store_dir=store_dir, later=later)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="itops-scan") as pool:
        scans = [pool.submit(scan) for scan in later]
        try:
            yield store
        finally:
            for scan in scans:
                scan.result()


def rdf_store(paths: Sequence[str]) -> ox.Store:
    """A fresh in-memory Oxigraph store holding the RDF files ``paths`` (any data, as written; nothing bundled).

    Raises:
        InputError: a file is missing, not RDF or malformed; the message names it (and the line).
    """
    store = ox.Store()
    for path in paths:
        source = _rdf_input(path)
        bulk_load(store, source, ox.DefaultGraph(), register=False)
    return store


def rdf_graph(paths: Sequence[str]) -> Graph:
    """The RDF files ``paths`` (shapes, or data for pySHACL) in one rdflib graph, literals as written.

    Oxigraph parses them (its errors give the line), then the triples go to rdflib.

    Raises:
        InputError: a file is missing, not RDF or malformed; the message names it (and the line).
    """
    graph = Graph()
    for path in paths:
        source = _rdf_input(path)
        fmt = RDF_FORMATS[source.suffix][1]
        if fmt is None:
            graph += parse_rdf(
                read_text(source), source.shown, RDF_FORMATS[source.suffix][0], public_id=source.graph_iri
            )
            continue
        try:
            quads = list(ox.parse(path=str(source.path), format=fmt, base_iri=source.graph_iri))
        except SyntaxError as err:
            raise syntax_error(source.shown, err) from None
        with quiet_rdflib():
            for quad in quads:
                s, p, o = to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)
                if s is None or p is None or o is None:
                    raise InputError(source.shown, "RDF-star triple terms are not supported")
                graph.add((s, p, o))
    return graph


def _rdf_input(path: str) -> Input:
    source = check_input(path)
    if source.kind != "rdf":
        raise InputError(source.shown, f"is not an RDF file; use one of {', '.join(sorted(RDF_FORMATS))}")
    return source


#: The file that marks a folder as an itops on-disk store, which a later run may empty and reuse.
STORE_MARKER = ".itops-store"


def open_disk_store(folder: Path) -> ox.Store:
    """An empty on-disk Oxigraph store in ``folder`` (new, empty, or one itops made before, which is emptied).

    Raises:
        OutputError: ``folder`` is a file, or a non-empty folder that is not an itops store.
    """
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"--store {folder}: is a file; name a folder for the store")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / STORE_MARKER).is_file():
        raise OutputError(
            f"--store {folder}: folder is not empty and is not an itops store; name a new or empty folder"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / STORE_MARKER).write_text("an itops validation store; emptied by the next run\n", encoding="utf-8")
        store = ox.Store(str(folder))
    except OSError as err:
        raise OutputError(f"--store {folder}: {err.strerror or err}") from None
    store.clear()
    return store


__all__ = [
    "Input",
    "RDF_FORMATS",
    "TABLE_FORMATS",
    "check_input",
    "read_input",
    "read_text",
    "parse_rdf",
    "check_register",
    "check_consistent",
    "describe_graph",
    "read_table",
    "rdf_store",
    "rdf_graph",
    "syntax_error",
    "spreadsheet_records",
    "StoreSink",
    "open_disk_store",
    "describe_store",
    "organisation_count",
    "store_from_graph",
    "store_from_inputs",
    "opened_inputs",
    "load_bundled",
    "ontology_graph",
    "bulk_load",
    "check_store",
    "select",
]


# ------------------------------------------------------------------------------------------------
# What one validation reads
# ------------------------------------------------------------------------------------------------


def load_shapes() -> Graph:
    """The packaged shapes, all families in one graph."""
    shapes = Graph()
    for file in resource_files("shapes", ".ttl"):
        shapes.parse(data=file.read_text(encoding="utf-8"), format="turtle", publicID=f"urn:itops:shapes:{file.name}")
    return shapes


@dataclass(frozen=True)
class Loaded:
    """What one validation reads, loaded: the data the engine runs on and the shapes it runs.

    ``data`` is an Oxigraph store (the compiled engine), an rdflib graph (pySHACL) or an endpoint
    that already holds it. With ``inference``, pySHACL adds the entailments of ``ontology`` first.
    ``files`` are the data files of an any-shapes run (``standalone``: nothing bundled), which the
    fallback reads again as written (:attr:`as_written`).
    """

    data: ox.Store | Graph | Endpoint
    shapes: Graph
    ontology: Graph | None = None
    inference: Inference = "none"
    standalone: bool = False
    files: Sequence[str] = field(default=(), repr=False)

    @cached_property
    def as_written(self) -> Graph:
        """The data files read again, every literal as written (an Oxigraph store keeps canonical forms)."""
        return self.data if isinstance(self.data, Graph) else rdf_graph(self.files)


class LoadOptions(TypedDict, total=False):
    """What :func:`open_loaded` reads besides the files and the engine, each optional (its defaults there)."""

    inference: Inference
    shapes: Sequence[str]
    endpoint: Endpoint | None
    progress: bool
    store_dir: Path | None


@contextmanager
def open_loaded(
    paths: Sequence[str],
    *,
    engine: EngineName = "oxigraph",
    inference: Inference = "none",
    shapes: Sequence[str] = (),
    endpoint: Endpoint | None = None,
    progress: bool = False,
    store_dir: Path | None = None,
) -> Iterator[Loaded]:
    """The data and shapes of one validation, in the form ``engine`` reads, held for the block.

    - ``endpoint``: the data its graph already holds, which must be the itops data (checked first),
      against the documents' rules;
    - ``shapes``: the RDF files ``paths`` against the SHACL files ``shapes``, nothing bundled;
    - otherwise the bundled documents and the registers ``paths`` against the documents' rules, with
      today's names given their 2013 equivalents (:mod:`itops.lineage`) and, for the compiled engine,
      the ontology's entailments added first when ``inference`` asks.

    ``store_dir`` keeps the compiled engine's store on disk, for registers beyond memory.

    Raises:
        InputError: a file is missing, unreadable, malformed, holds no organisation, or contradicts another.
        EndpointError, EndpointGraphError: the endpoint cannot be read, or its graph is not the itops data.
        ParameterError: ``store_dir`` with pySHACL or inference.
    """
    if shapes:
        data = rdf_graph(paths) if engine == "pyshacl" else rdf_store(paths)
        yield Loaded(data, rdf_graph(shapes), standalone=True, files=tuple(paths))
    elif endpoint is None:
        if engine == "oxigraph" and inference == "none":
            with opened_inputs(paths, progress=progress, store_dir=store_dir) as store:
                yield Loaded(mapped_store(store), load_shapes())
        elif store_dir is not None:
            raise ParameterError("--store", "an on-disk store is used by the fast engine without inference")
        else:
            yield loaded_from_graph(graph_from_inputs(paths), engine=engine, inference=inference)
    else:
        endpoint.require_itops_graph()  # a mistyped --graph must not pass as "no findings"
        yield Loaded(endpoint, load_shapes())


def loaded_from_graph(data: Graph, *, engine: EngineName = "oxigraph", inference: Inference = "none") -> Loaded:
    """The ontology, documents and registers in ``data`` (extended in place), in the form ``engine`` reads.

    Today's names (ICB, DCB0160, HSCN...) are given their 2013 equivalents first.
    """
    data = with_2013_names(data)
    if engine == "pyshacl":
        return Loaded(data, load_shapes(), ontology_graph() if inference != "none" else None, inference)
    return Loaded(store_from_graph(entail(data, inference) if inference != "none" else data), load_shapes())


# ------------------------------------------------------------------------------------------------
# Today's names read as the 2013 ones
# ------------------------------------------------------------------------------------------------


@cache
def bundled_equivalents() -> Equivalents:
    """The 2013 equivalents of today's names, from the bundled lineage and ontology alone.

    Never from a register: change events or member classes in a register cannot give its own names
    another meaning under the documents' rules.
    """
    store = ox.Store()
    load_bundled(store)
    return equivalents(StoreGraph(store))


def with_2013_names(data: Graph) -> Graph:
    """Add to ``data`` (in place) the 2013 equivalents of today's names it uses; return it.

    The statements of :func:`mapped_store`'s update, read from rdflib's indexes (its SPARQL engine
    joins the update's VALUES slowly).
    """
    known = bundled_equivalents()
    added: list[tuple[Node, Node, Node]] = []
    for later, early in known.names:
        added += [(s, p, early) for s, p in data.subject_predicates(later) if p not in NOT_MAPPED]
    for later, early in known.classes:
        added += [(s, RDF.type, early) for s in data.subjects(RDF.type, later)]
    for triple in added:
        data.add(triple)
    return data


def mapped_store(store: ox.Store) -> ox.Store:
    """``store``, its today's names given their 2013 equivalents (as :func:`with_2013_names`); return it."""
    update = _equivalents_update(bundled_equivalents())
    if update:
        store.update(update)
    return store


def _equivalents_update(known: Equivalents) -> str | None:
    """A SPARQL Update adding ``known``'s statements (IRIs of the bundled lineage, no user input)."""
    if not known.names:
        return None
    skip = " && ".join(f"?p != {p.n3()}" for p in NOT_MAPPED)
    update = (
        f"INSERT {{ ?s ?p ?early }} WHERE {{ VALUES (?later ?early) {{ {_values(known.names)} }} ?s ?p ?later . "
        f"FILTER({skip}) }}"
    )
    if known.classes:
        update += (
            f" ;\nINSERT {{ ?s {RDF.type.n3()} ?early }} WHERE {{ "
            f"VALUES (?later ?early) {{ {_values(known.classes)} }} ?s {RDF.type.n3()} ?later }}"
        )
    return update


def _values(pairs: Iterable[tuple[URIRef, URIRef]]) -> str:
    return " ".join(f"({later.n3()} {early.n3()})" for later, early in pairs)


def entail(data: Graph, inference: Inference) -> Graph:
    """A copy of ``data`` with the ontology mixed in and its RDFS or OWL RL entailments added (as pySHACL does)."""
    import owlrl  # a dependency of pySHACL, needed only for inference
    from pyshacl.inference import CustomRDFSSemantics  # pySHACL's RDFS: no axiomatic literals, as the reference

    closed = Graph()
    for triple in data:
        closed.add(triple)
    for triple in ontology_graph():
        closed.add(triple)
    semantics = CustomRDFSSemantics if inference == "rdfs" else owlrl.OWLRL_Semantics
    owlrl.DeductiveClosure(semantics).expand(closed)
    for triple in [t for t in closed if isinstance(t[0], Literal)]:  # RDFS's generalised triples: not RDF data
        closed.remove(triple)
    return closed
