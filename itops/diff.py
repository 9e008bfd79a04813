"""What changed: between two validation reports, or between two versions of the graph.

``itops diff OLD NEW`` compares

- two validation reports (JSON from ``itops validate --format json``): which findings are new,
  fixed or unchanged, per organisation. A finding is identified by its organisation (its ODS
  code, else its IRI, else its name), rule, path and value, so a reworded message or a renamed
  organisation does not make a finding look new;
- two versions of the graph (two folders holding the ontology and data, or two release files):
  the statements added, removed and changed, grouped by document and section, in words.

Exit status (:func:`exit_status`): 0 when nothing new (reports: no new finding; graphs: no
difference), 1 when there is, 2 when the inputs cannot be read (raised as :class:`InputError`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import graph_diff, to_isomorphic
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from itops.errors import InputError
from itops.findings import Finding
from itops.loader import check_input, rdf_graph, read_text
from itops.namespace import ITOPS

__all__: Sequence[str] = [
    "Comparison",
    "ReportDiff",
    "PropertyChange",
    "StatementChange",
    "GraphDiff",
    "diff_reports",
    "diff_graphs",
    "diff_paths",
    "exit_status",
]


# ------------------------------------------------------------------------------------------------ reports


def identity(f: Finding) -> tuple[str, str, str, str]:
    """Organisation, rule, path and value: what makes findings of two reports the same finding."""
    return (f.organisation_id, f.rule, f.path, f.value)


@dataclass(frozen=True)
class Comparison:
    """Two inputs compared, named as the user gave them."""

    old: str
    new: str


@dataclass(frozen=True)
class ReportDiff(Comparison):
    """New, fixed and unchanged findings between an old and a new validation report."""

    new_findings: tuple[Finding, ...]
    fixed: tuple[Finding, ...]
    unchanged: tuple[Finding, ...]

    def by_organisation(self) -> list[tuple[str, dict[str, list[Finding]]]]:
        """Per organisation (sorted by name): its new, fixed and unchanged findings."""
        groups: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: {"new": [], "fixed": [], "unchanged": []})
        names: dict[str, str] = {}
        for status, items in (("new", self.new_findings), ("fixed", self.fixed), ("unchanged", self.unchanged)):
            for f in items:
                groups[f.organisation_id][status].append(f)
                names.setdefault(f.organisation_id, org_title(f))
        return [(names[k], groups[k]) for k in sorted(groups, key=lambda k: (names[k].casefold(), k))]


def org_title(f: Finding) -> str:
    name = f.organisation or f.organisation_id
    return f"{name} ({f.ods_code})" if f.ods_code and f.ods_code not in name else name


def _read_json(path: Path) -> dict[str, object]:
    text = read_text(check_input(path))  # a readable regular file (a report is .json, read here as text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(str(path), f"not JSON: {err.msg}", line=err.lineno) from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise InputError(
            str(path),
            "not a validation report: expected the JSON of `itops validate --format json` "
            '(an object with a "findings" list)',
        )
    return data


def _finding(raw: dict[str, object]) -> Finding:
    """A finding as ``itops validate --format json`` wrote it (a field it lacks is empty)."""
    text = {f.name: raw.get(f.name, "") for f in fields(Finding)}
    sections = text.pop("sections")
    finding = Finding(
        **{name: value if isinstance(value, str) else str(value) for name, value in text.items()},
        sections=tuple(str(s) for s in sections) if isinstance(sections, list) else (),
    )
    return finding if finding.rule_label else replace(finding, rule_label=finding.rule)


def _keys(path: Path) -> dict[tuple[str, str, str, str], Finding]:
    data = _read_json(path)
    findings = data["findings"]
    if not isinstance(findings, list):
        raise InputError(str(path), '"findings" is not a list: is this a report of itops validate --format json?')
    out: dict[tuple[str, str, str, str], Finding] = {}
    for number, raw in enumerate(findings, start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("rule"), str):
            raise InputError(str(path), f'finding {number} is not a finding object with a "rule"')

        finding = _finding(raw)
        out.setdefault(identity(finding), finding)
    return out


def diff_reports(old_json: Path, new_json: Path) -> ReportDiff:
    """Compare two validation reports (JSON) finding by finding.

    Raises:
        InputError: a file is missing, is not JSON, or is not a validation report.
    """
    old, new = _keys(Path(old_json)), _keys(Path(new_json))
    return ReportDiff(
        old=str(old_json),
        new=str(new_json),
        new_findings=tuple(new[k] for k in sorted(new.keys() - old.keys())),
        fixed=tuple(old[k] for k in sorted(old.keys() - new.keys())),
        unchanged=tuple(new[k] for k in sorted(new.keys() & old.keys())),
    )


@dataclass(frozen=True, order=True)
class PropertyChange:
    """The values of one property of a thing that were added and removed, by name."""

    property: str
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class StatementChange:
    """A thing (statement, party, term...) whose triples changed: added, removed, or changed."""

    iri: str
    label: str
    kind: str  # its class, in words
    status: str  # "added", "removed" or "changed"
    document: str  # the document's name, or "" for the vocabulary and shared things
    section: str
    passage: str
    properties: tuple[PropertyChange, ...]


@dataclass(frozen=True)
class GraphDiff(Comparison):
    """The triples added and removed between two versions of the graph, by thing."""

    added: int
    removed: int
    changes: tuple[StatementChange, ...]

    def groups(self) -> list[tuple[str, str, list[StatementChange]]]:
        """(document, section, changes), documents first, then the shared things and the vocabulary."""
        out: dict[tuple[str, str], list[StatementChange]] = defaultdict(list)
        for c in self.changes:
            out[(c.document, c.section)].append(c)
        return [(d, s, cs) for (d, s), cs in sorted(out.items(), key=lambda kv: (kv[0][0] == "", kv[0]))]


def load_version(path: Path) -> Graph:
    """One version of the graph: a release file, or a folder of Turtle (its ``ontology/`` and ``data/``, or itself).

    Raises:
        InputError: the path is missing, holds no RDF, or a file cannot be parsed.
    """
    path = Path(path)
    if path.is_dir():
        folders = (
            [path / "ontology", path / "data"] if (path / "ontology").is_dir() or (path / "data").is_dir() else [path]
        )
        files = sorted(f for folder in folders if folder.is_dir() for f in folder.glob("*.ttl"))
        if not files:
            raise InputError(str(path), "holds no Turtle files (expected ontology/*.ttl and data/*.ttl, or *.ttl)")
    elif path.is_file():
        files = [path]
    else:
        raise InputError(str(path), "no such file or folder")
    return rdf_graph([str(f) for f in files])  # the loader: file checks, formats and line-numbered errors


def _label(graphs: Sequence[Graph], node: Node) -> str:
    if isinstance(node, Literal):
        return str(node)
    if isinstance(node, BNode):
        return "(an anonymous node)"
    for g in graphs:
        for prop in (RDFS.label, SKOS.prefLabel):
            value = g.value(node, prop)
            if value is not None:
                return str(value)
    text = str(node)
    return text.rsplit("#", 1)[-1] if "#" in text else text.rsplit("/", 1)[-1]


def diff_graphs(old: Path, new: Path) -> GraphDiff:
    """Compare two versions of the graph, thing by thing.

    Triples on blank nodes are compared by their place in a canonical form (rdflib's
    ``to_canonical_graph``), so re-serialising a file changes nothing.

    Raises:
        InputError: a version is missing or cannot be parsed.
    """
    before, after = load_version(Path(old)), load_version(Path(new))
    _, only_old, only_new = graph_diff(to_isomorphic(before), to_isomorphic(after))
    graphs = (after, before)
    subjects: dict[Node, dict[URIRef, tuple[set[Node], set[Node]]]] = defaultdict(dict)
    for triples, index in ((only_new, 0), (only_old, 1)):
        for s, p, o in triples:
            if not isinstance(p, URIRef):
                continue
            entry = subjects[s].setdefault(p, (set(), set()))
            entry[index].add(o)
    changes = []
    for s, props in subjects.items():
        in_old = (s, None, None) in before
        in_new = (s, None, None) in after
        status = "added" if not in_old else "removed" if not in_new else "changed"
        home = after if in_new else before
        kinds = sorted(_label(graphs, t) for t in home.objects(s, RDF.type))
        document = home.value(s, ITOPS.fromDocument)
        section = home.value(s, ITOPS.fromSection)
        passage = home.value(s, ITOPS.quotes)
        if document is None and str(s).startswith(str(ITOPS)):
            document_name = ""
            section_name = "vocabulary"
        else:
            notation = home.value(document, SKOS.notation) if document is not None else None
            document_name = (
                str(notation) if notation is not None else _label(graphs, document) if document is not None else ""
            )
            section_name = (
                _label(graphs, section) if section is not None else "" if document is not None else "shared things"
            )
        prop_changes = tuple(
            sorted(
                PropertyChange(
                    _label(graphs, p),
                    tuple(sorted(_label(graphs, o) for o in added)),
                    tuple(sorted(_label(graphs, o) for o in removed)),
                )
                for p, (added, removed) in props.items()
            )
        )
        changes.append(
            StatementChange(
                iri=str(s) if not isinstance(s, BNode) else "",
                label=_label(graphs, s),
                kind=", ".join(kinds),
                status=status,
                document=document_name,
                section=section_name,
                passage=str(passage) if passage is not None else "",
                properties=prop_changes,
            )
        )
    changes.sort(key=lambda c: (c.document, c.section, c.status, c.label.casefold(), c.iri))
    return GraphDiff(str(old), str(new), len(only_new), len(only_old), tuple(changes))


def diff_paths(old: Path, new: Path) -> ReportDiff | GraphDiff:
    """Compare two reports when both paths end in ``.json``, else two versions of the graph.

    Raises:
        InputError: an input is missing or unreadable, or one is a report and the other is not.
    """
    old, new = Path(old), Path(new)
    reports = [p.suffix.lower() == ".json" for p in (old, new)]
    if all(reports):
        return diff_reports(old, new)
    if any(reports):
        raise InputError(
            str(old if not reports[0] else new),
            "compare two validation reports (.json) or two versions of the graph, not one of each",
        )
    return diff_graphs(old, new)


def exit_status(diff: ReportDiff | GraphDiff) -> int:
    """0 when nothing is new (no new finding; no difference between graphs), else 1."""
    if isinstance(diff, ReportDiff):
        return 1 if diff.new_findings else 0
    return 1 if diff.changes else 0
