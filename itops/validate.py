"""Validation: the documents' rules (SHACL shapes in ``shapes/``) run over the documents and registers.

One path for every kind of input: the loader reads the files, the endpoint or the graph
(:func:`itops.loader.open_loaded`), the chosen engine runs the shapes over them
(:func:`itops.fastshacl.run_engine`), and :func:`itops.findings.report` says, per organisation,
what is wrong in plain words, which rule of which document section it breaks, and who the
documents say acts on it. The functions here are that path's entrances.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Unpack
from typing import Literal as TypingLiteral

import pyoxigraph as ox
from rdflib import Graph

from itops.errors import ParameterError
from itops.fastshacl import run_engine
from itops.findings import SEVERITY_NAMES, Finding, Names, Report, Rule, report, rules
from itops.loader import (
    EngineName,
    Inference,
    Loaded,
    LoadOptions,
    entail,
    load_shapes,
    loaded_from_graph,
    mapped_store,
    open_loaded,
)

if TYPE_CHECKING:
    from itops.endpoint import Endpoint
    from itops.graph import KnowledgeGraph

Engine = TypingLiteral["auto", "pyshacl", "oxigraph"]
ENGINES = ("auto", "pyshacl", "oxigraph")


def validate_inputs(
    paths: Sequence[str], *, engine: Engine = "auto", fallback: bool = True, **options: Unpack[LoadOptions]
) -> Report:
    """Validate the bundled documents and the register files ``paths`` (CSV or RDF) against the documents' rules.

    The one path from files to a report: the loader checks and reads every file (each must hold an
    organisation), the chosen engine runs the shapes, and the report says how much it checked.
    ``options`` are the loader's (:func:`itops.loader.open_loaded`): ``inference``; ``store_dir``
    keeps the fast engine's store on disk, for registers beyond memory; ``progress`` shows bars;
    with ``endpoint``, the data its graph holds is validated instead (``paths`` must be empty);
    with ``shapes``, the RDF files ``paths`` against those SHACL files, as :func:`validate_any`.

    Raises:
        InputError: a file is missing, unreadable, malformed, holds no organisation, or contradicts another.
        ParameterError: an unknown engine, or ``store_dir`` with pySHACL or inference.
        EndpointError, EndpointGraphError: the endpoint fails, or its graph is not the itops data.
        UnsupportedShapeError: (``shapes`` without ``fallback``) a shape the engine does not compile.
    """
    chosen = choose_engine(engine)
    with open_loaded(paths, engine=chosen, **options) as source:
        return _run(source, fallback=fallback)


def _run(source: Loaded, *, fallback: bool = True) -> Report:
    """The engine's run over ``source``, as a report."""
    run = run_engine(source, fallback=fallback)
    return report(run, source)


def validate(kg: KnowledgeGraph, *, inference: Inference = "none", engine: Engine = "auto") -> Report:
    """Validate everything loaded in ``kg`` (ontology, documents and registers) against the documents' rules.

    ``engine`` is ``oxigraph`` (the shapes compiled to whole-graph SPARQL; the default, tested to
    give pySHACL's findings) or ``pyshacl`` (the reference). With ``inference`` the entailments
    of the ontology are added to the data first, for either engine.
    """
    return validate_data(kg.union(), inference=inference, engine=engine)


def validate_data(data: Graph, *, inference: Inference = "none", engine: Engine = "auto") -> Report:
    """Validate ``data`` (the ontology, the documents and registers, in one graph; extended in place).

    Today's names (ICB, DCB0160, HSCN...) are checked as the 2013 ones: their 2013 equivalents are
    added to ``data`` first.
    """
    return _run(loaded_from_graph(data, engine=choose_engine(engine), inference=inference))


def validate_graph(
    data: Graph, *, shapes: Graph | None = None, ontology: Graph | None = None, inference: Inference = "none"
) -> Report:
    """Validate ``data`` (which must hold the ontology's subclass axioms) against the shapes, on pySHACL."""
    shapes = shapes if shapes is not None else load_shapes()
    return _run(Loaded(data, shapes, ontology, inference))


def validate_store(store: ox.Store, *, shapes: Graph | None = None) -> Report:
    """Validate the data in a pyoxigraph Store with the compiled shapes (the fast engine).

    The store must hold the ontology and lineage as well as the data; today's names are given
    their 2013 equivalents in it first.
    """
    return _run(Loaded(mapped_store(store), shapes if shapes is not None else load_shapes()))


def validate_endpoint(endpoint: Endpoint) -> Report:
    """Validate the data a SPARQL 1.1 endpoint already holds (its ``--graph``) with the compiled shapes.

    The store must hold the ontology and the documents as well as the registers (``itops push``
    loads them together). Today's names are not mapped to the 2013 ones here: the store is not
    written to.

    Raises:
        EndpointError: the endpoint cannot be reached or answers with an error.
        EndpointGraphError: the graph holds no triples or not the itops ontology (a mistyped
            ``--graph``); raised before any check runs.
    """
    return validate_inputs((), endpoint=endpoint)


def validate_any(
    data_paths: Sequence[str], shapes_paths: Sequence[str], *, engine: EngineName = "oxigraph", fallback: bool = True
) -> Report:
    """Validate any RDF data files against any SHACL shapes files; nothing bundled is loaded.

    ``engine="oxigraph"`` compiles the shapes; a shape it does not compile runs on pySHACL (with a
    notice) when ``fallback``, or is refused. ``engine="pyshacl"`` runs the reference engine. The
    report's :attr:`~itops.findings.Report.results_graph` is the standard SHACL report, in which
    warnings make ``sh:conforms`` false as pySHACL's does.

    Raises:
        InputError: a data or shapes file is missing or malformed.
        UnsupportedShapeError: (``fallback=False``) a shape uses a component the engine does not compile.
    """
    return validate_inputs(data_paths, shapes=shapes_paths, engine=engine, fallback=fallback)


def choose_engine(engine: Engine) -> EngineName:
    """The engine that runs: ``auto`` is the fast engine at every size (pySHACL stays the reference).

    Raises:
        ParameterError: an unknown engine name.
    """
    if engine in ("auto", "oxigraph"):
        return "oxigraph"
    if engine == "pyshacl":
        return "pyshacl"
    raise ParameterError("--engine", f"unknown engine {engine!r}; use {', '.join(ENGINES)}")


__all__: Sequence[str] = [
    "Finding",
    "Names",
    "Report",
    "Rule",
    "SEVERITY_NAMES",
    "load_shapes",
    "rules",
    "validate",
    "validate_inputs",
    "validate_data",
    "validate_any",
    "validate_endpoint",
    "validate_graph",
    "validate_store",
    "choose_engine",
    "entail",
    "ENGINES",
]
