"""Organisation registers: the lists of organisations users validate, read from CSV into RDF.

A register is a CSV file (UTF-8, comma-separated, one header row) with these columns; only the
first three are required, and column names are matched ignoring case, spaces and hyphens:

==========================  ===========================================================================
column                      meaning
==========================  ===========================================================================
``ods_code``                the organisation's ODS code (3–10 capital letters and digits), its identifier
``name``                    its name
``type``                    its kind: a name or acronym from :func:`organisation_types` (``CCG``,
                            ``community pharmacy``, ``DMS practice``, ``local IT supplier`` ...)
``national_systems``        national systems and networks it connects to (``EPS; SCR; N3``)
``it_supplier``             its local IT supplier: the ODS code of another row
``assurance_holders``       who holds its assurances: ``ISB 0160=Dr A Patel (clinical safety officer)``
``complies_with``           standards it complies with (``ISB 0129; N3 Code of Connection; smartcard model``)
``igt_status``              its latest IGT return: ``standards met``, ``standards not met`` or ``not submitted``
``igt_submitted``           when that return was submitted (``YYYY-MM-DD``)
``smartcard_users``         ``yes`` if its staff use smartcards, ``no`` if not
``registration_authority``  who delivers its registration authority service (ODS code, or ``DMS``)
``commissioned_by``         who commissions its services (ODS code)
``access_commissioned_by``  through whom its access to national IT services is commissioned (ODS code)
``escalation_contact``      for a commissioner: the NHS CB area team it escalates ISB 0160 issues to
``it_commissioned_by``      who commissions its local IT provision from its IT supplier (ODS code, or
                            ``DMS``/``MoD``)
``ra_policy``               ``yes`` if it adheres to the registration authority (smartcard security)
                            policy, ``no`` if not
``nhsmail_policy``          ``yes`` if it adheres to the policy and procedures for use of NHS mail
                            services, ``no`` if not
``agreed_equivalents``      otherwise agreed equivalent standards it meets in place of a named one:
                            ``ISB 0160=Defence clinical safety standard``
==========================  ===========================================================================

A column a register leaves out, or a cell it leaves empty, is "not recorded". A duty the documents
state for the organisation (IGT completion, an ISB 0160 holder...) is then reported as not recorded
as met, never passed; a cell that decides whether a duty applies (``national_systems``,
``smartcard_users``...) leaves it unapplied; the optional columns (``it_commissioned_by``,
``ra_policy``, ``nhsmail_policy``, ``agreed_equivalents``) leave their rules unrun, and ``itops
obligations`` reports those obligations as not recorded.

Several values in one cell are separated by ``;`` (:data:`SEPARATOR`). A reference to another
organisation is its ODS code (it need not be a row of the register) or the name of a body the
documents name (``DMS``, ``NHS CB``). Each organisation becomes ``<https://w3id.org/itops/ods/CODE>``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from itops.errors import InputError
from itops.namespace import ID, ITOPS
from itops.query import NameIndex, instances_of
from itops.terms import ReadableGraph

ODS = Namespace("https://w3id.org/itops/ods/")
SEPARATOR = ";"
ODS_CODE = re.compile(r"^[A-Z0-9]{3,10}$")
REQUIRED = ("ods_code", "name", "type")
OPTIONAL = (
    "national_systems",
    "it_supplier",
    "assurance_holders",
    "complies_with",
    "igt_status",
    "igt_submitted",
    "smartcard_users",
    "registration_authority",
    "commissioned_by",
    "access_commissioned_by",
    "escalation_contact",
    "it_commissioned_by",
    "ra_policy",
    "nhsmail_policy",
    "agreed_equivalents",
)
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}
_ORGANISATION = URIRef("http://www.w3.org/ns/org#Organization")


def _key(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().casefold())


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class OrganisationType:
    """A kind of organisation a register row may have, and the names it accepts."""

    iri: URIRef
    label: str
    names: tuple[str, ...]


def organisation_types(ontology: ReadableGraph) -> list[OrganisationType]:
    """The organisation classes of the ontology with the names (labels and acronyms) a register may use."""
    classes = {_ORGANISATION}
    frontier = [_ORGANISATION]
    while frontier:
        for sub in ontology.subjects(RDFS.subClassOf, frontier.pop()):
            if isinstance(sub, URIRef) and sub not in classes:
                classes.add(sub)
                frontier.append(sub)
    out = []
    for cls in classes:
        if not str(cls).startswith(str(ITOPS)):
            continue
        label = str(ontology.value(cls, RDFS.label) or cls)
        names = {label, *(str(a) for a in ontology.objects(cls, SKOS.altLabel))}
        names |= {n + "s" for n in list(names) if not n.endswith("s")}
        out.append(OrganisationType(cls, label, tuple(sorted(names))))
    return sorted(out, key=lambda t: t.label)


class RegisterReader:
    """Reads CSV registers, resolving names of systems, standards and bodies against the bundled graph."""

    def __init__(self, graph: ReadableGraph, names: NameIndex | None = None) -> None:
        self.graph = graph
        self.names = names or NameIndex.build(graph)
        self.types = {_norm(n): t for t in organisation_types(graph) for n in t.names}
        self.systems = instances_of(graph, ITOPS.ITService)
        self.standards = instances_of(graph, ITOPS.Standard)
        self.parties = instances_of(graph, ITOPS.Party)
        self.igt = instances_of(graph, ITOPS.IGTStatus)
        # the same names and dates recur on every row: each is resolved (or parsed) once
        self._resolved: dict[str, set[URIRef]] = {}
        self._dates: dict[str, Literal] = {}

    def read(self, path: str | Path) -> Graph:
        """Read a CSV register into an RDF graph.

        Raises:
            InputError: missing column, unknown type, malformed ODS code, bad date or value; the
                message names the file, the row (line) and the column.
        """
        shown = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise InputError(shown, "no such file") from None
        except UnicodeDecodeError as err:
            raise InputError(shown, f"not UTF-8 text ({err.reason} at byte {err.start})") from None
        return self.read_text(text, shown)

    def read_text(self, text: str, shown: str) -> Graph:
        """Read the CSV ``text`` (named ``shown`` in messages) into an RDF graph."""
        graph = Graph()
        graph.bind("itops", ITOPS)
        graph.bind("ods", ODS)
        self.read_records(csv_records(io.StringIO(text)), shown, graph)
        return graph

    def read_records(self, records: Iterable[tuple[int, Sequence[str]]], shown: str, sink: TripleSink) -> int:
        """Read a register's records (``(line, cells)``, the header first) into ``sink``; return how many rows.

        The one reader of every register table: CSV (:func:`csv_records`) and spreadsheets give
        their records here, and the triples go to an rdflib graph or straight into a store.

        Raises:
            InputError: missing or unknown column, unknown type, malformed ODS code, bad date or value;
                the message names the file (``shown``), the row (line) and the column.
        """
        iterator = iter(records)
        try:
            header_line, header = next(iterator)
        except StopIteration:
            raise InputError(shown, "the register is empty: expected a header row", line=1) from None
        columns = [_key(c) for c in header]
        known = set(REQUIRED) | set(OPTIONAL)
        for i, column in enumerate(columns):
            if column not in known:
                raise InputError(
                    shown,
                    f"unknown column {header[i]!r}; known columns: {', '.join(REQUIRED + OPTIONAL)}",
                    line=header_line,
                    column=i + 1,
                )
            if column in columns[:i]:
                raise InputError(
                    shown,
                    f"column {header[i]!r} appears twice (also column {columns.index(column) + 1}); keep one",
                    line=header_line,
                    column=i + 1,
                )
        for required in REQUIRED:
            if required not in columns:
                raise InputError(
                    shown, f"missing column {required!r} (required: {', '.join(REQUIRED)})", line=header_line
                )
        seen: dict[str, int] = {}
        for line, row in iterator:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(columns) and any(cell.strip() for cell in row[len(columns) :]):
                raise InputError(shown, f"row has {len(row)} cells but the header has {len(columns)}", line=line)
            cells = {columns[i]: (row[i].strip() if i < len(row) else "") for i in range(len(columns))}
            self._row(sink, cells, columns, shown, line, seen)
        return len(seen)

    # ------------------------------------------------------------------------------------------

    def _row(
        self, g: TripleSink, cells: dict[str, str], columns: list[str], shown: str, line: int, seen: dict[str, int]
    ) -> None:
        def fail(column: str, message: str) -> InputError:
            return InputError(shown, f"column {column!r}: {message}", line=line, column=columns.index(column) + 1)

        code = cells["ods_code"].upper()
        if not ODS_CODE.match(code):
            raise fail("ods_code", f"malformed ODS code {cells['ods_code']!r} (expected 3 to 10 letters and digits)")
        if code in seen:
            raise fail("ods_code", f"ODS code {code} already used on line {seen[code]}")
        seen[code] = line
        if not cells["name"]:
            raise fail("name", "empty name")
        org_type = self.types.get(_norm(cells["type"]))
        if org_type is None:
            raise fail("type", f"unknown organisation type {cells['type']!r}; see 'itops types' for the accepted names")
        org = URIRef(ODS + code)
        g.add((org, _TYPE, org_type.iri))
        g.add((org, _LABEL, Literal(cells["name"])))
        g.add((org, _ODS_CODE, Literal(code)))
        g.add((org, _TYPE, _NAMED_INDIVIDUAL))

        for value in _split(cells.get("national_systems", "")):
            g.add((org, _CONNECTS_TO, self._lookup(value, self.systems, fail, "national_systems", "national system")))
        for value in _split(cells.get("complies_with", "")):
            g.add((org, _COMPLIES_WITH, self._lookup(value, self.standards, fail, "complies_with", "standard")))
        # STANDARD=VALUE cells: who holds an assurance, or what was agreed as equivalent to a standard
        for column, kind, word, link, cls, of, value_property in _STANDARD_VALUE_COLUMNS:
            for i, value in enumerate(_split(cells.get(column, "")), start=1):
                standard_name, sep, text = value.partition("=")
                if not sep or not text.strip():
                    raise fail(column, f"write each value as STANDARD={word}, got {value!r}")
                node = URIRef(f"{org}/{kind}/{i}")
                g.add((org, link, node))
                g.add((node, _TYPE, cls))
                g.add((node, of, self._lookup(standard_name.strip(), self.standards, fail, column, "standard")))
                g.add((node, value_property, Literal(text.strip())))
        status = cells.get("igt_status", "")
        if status:
            g.add((org, _IGT_STATUS, self._lookup(status, self.igt, fail, "igt_status", "IGT status")))
        submitted = cells.get("igt_submitted", "")
        if submitted:
            day = self._dates.get(submitted)
            if day is None:
                try:
                    parsed = date.fromisoformat(submitted)
                except ValueError:
                    raise fail("igt_submitted", f"bad date {submitted!r} (expected YYYY-MM-DD)") from None
                day = self._dates[submitted] = Literal(parsed.isoformat() + "T00:00:00", datatype=_DATE_TIME)
            g.add((org, _IGT_SUBMITTED_ON, day))
        for column, prop in _YES_NO_COLUMNS:
            answer = cells.get(column, "").casefold()
            if answer:
                if answer not in _YES_OR_NO:
                    raise fail(column, f"expected yes or no, got {cells[column]!r}")
                g.add((org, prop, _TRUE if answer in _YES else _FALSE))
        for column, prop in _ORGANISATION_COLUMNS:
            for value in _split(cells.get(column, "")):
                g.add((org, prop, self._organisation(value, fail, column)))

    def _lookup(self, value: str, allowed: set[URIRef], fail: Failure, column: str, kind: str) -> URIRef:
        found = self._resolve(value) & allowed
        if len(found) == 1:
            return next(iter(found))
        close = self.names.suggestions(value, allowed)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise fail(column, f"unknown {kind} {value!r}{hint}")

    def _organisation(self, value: str, fail: Failure, column: str) -> URIRef:
        found = self._resolve(value) & self.parties
        if len(found) == 1:
            return next(iter(found))
        if ODS_CODE.match(value.upper()) and not found:
            return URIRef(ODS + value.upper())
        raise fail(column, f"{value!r} is neither an ODS code nor a body the documents name")

    def _resolve(self, value: str) -> set[URIRef]:
        found = self._resolved.get(value)
        if found is None:
            found = self._resolved[value] = self.names.resolve(value)
        return found


# terms used on every row, looked up once (rdflib's namespaces look each name up on every access)
_TYPE, _LABEL, _NAMED_INDIVIDUAL, _DATE_TIME = RDF.type, RDFS.label, OWL.NamedIndividual, XSD.dateTime
_ODS_CODE = ITOPS.odsCode
_CONNECTS_TO = ITOPS.connectsTo
_COMPLIES_WITH = ITOPS.compliesWith
_IGT_STATUS = ITOPS.igtStatus
_IGT_SUBMITTED_ON = ITOPS.igtSubmittedOn
_TRUE, _FALSE = Literal(True), Literal(False)
_YES_OR_NO = _YES | _NO
#: STANDARD=VALUE columns: (column, node slug, the word the message asks for, link, class, standard, value)
_STANDARD_VALUE_COLUMNS = (
    (
        "assurance_holders",
        "assurance",
        "HOLDER",
        ITOPS.hasAssurance,
        ITOPS.Assurance,
        ITOPS.assuranceFor,
        ITOPS.assuranceHolder,
    ),
    (
        "agreed_equivalents",
        "equivalent",
        "EQUIVALENT",
        ITOPS.hasAgreedEquivalent,
        ITOPS.AgreedEquivalent,
        ITOPS.equivalentFor,
        ITOPS.equivalentName,
    ),
)
_YES_NO_COLUMNS = (
    ("ra_policy", ITOPS.adheresToRaPolicy),
    ("nhsmail_policy", ITOPS.adheresToNhsmailPolicy),
    ("smartcard_users", ITOPS.usesSmartcards),
)
_ORGANISATION_COLUMNS = (
    ("it_supplier", ITOPS.hasITSupplier),
    ("registration_authority", ITOPS.registrationAuthority),
    ("commissioned_by", ITOPS.commissionedBy),
    ("access_commissioned_by", ITOPS.accessCommissionedBy),
    ("escalation_contact", ITOPS.escalationContact),
    ("it_commissioned_by", ITOPS.itCommissionedBy),
)


#: Builds the input error for a cell: ``fail(column, message)``.
Failure = Callable[[str, str], InputError]


class TripleSink(Protocol):
    """Where a register's triples go: an rdflib graph, or a store loader (anything with ``add``)."""

    def add(self, triple: tuple[Node, Node, Node], /) -> object:
        """Take one triple."""


def csv_records(handle: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """The records of CSV text as ``(line, cells)``, numbered by the line each starts on (a quoted cell may span
    lines)."""
    reader = csv.reader(handle)
    end = 0
    for row in reader:
        line, end = end + 1, reader.line_num
        yield line, row


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(SEPARATOR) if part.strip()]


def register_graph_iri(path: str | Path) -> str:
    """The named graph a register file is loaded into: its file URI."""
    return Path(path).resolve().as_uri()


__all__ = ["ODS", "SEPARATOR", "RegisterReader", "OrganisationType", "organisation_types", "register_graph_iri", "ID"]
