"""The ontology, the data files and the release files as the OWL API (Protégé's library) sees them.

Every file must parse with no unparsed triples, be in OWL 2 DL (no profile violations over its
imports closure), resolve its imports from local files only, and load without the OWL API
logging errors or warnings (it logs, for example, the punnings it silently drops).

The ontology imports the published W3C ORG and PROV (ontology/imports/, through the catalogs).
As published they are not OWL 2 DL: what the OWL API finds in them is pinned below, per file,
and everything else in the closure (the itops files) must be clean.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from owlapi import OwlCheck  # the owl_check fixture comes from owlapi, a plugin named in conftest.py
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from itops.release import ONTOLOGY_IRI, build_release
from itops.resources import Folder, resource_dir

DATA_FILES = sorted(f.name for f in resource_dir("data").iterdir() if f.name.endswith(".ttl"))
CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"

# Floors well below today's counts, high enough to catch a file that lost most of its content.
ONTOLOGY_MIN_AXIOMS = 500
ONTOLOGY_MIN_LOGICAL_AXIOMS = 150
DATA_MIN_OWN_AXIOMS = 200  # the documents, shared.ttl and lineage.ttl
SMALL_DATA_MIN_OWN_AXIOMS = 20  # a small data file added since (e.g. obligations-categories.ttl)
LARGE_DATA_FILES = {"armed-forces-2013.ttl", "primary-care-contractors-2012.ttl", "shared.ttl", "lineage.ttl"}
FULL_MIN_LOGICAL_AXIOMS = 1500

# The published vocabularies the ontology imports: file in ontology/imports/ -> sha256 (of the
# files as made from @zazuko/rdf-vocabularies 2023.1.19; see ontology/imports/README.md).
IMPORTS = {
    "org.nt": "84567abfd32ccbef8dc747a3d37464a85f02a94b12aea1d07a898931dacf44bc",
    "prov.nt": "f2c5cdeeb432434595f196efd4bb7b0e7c2a2f2eb7e5ae30bca8d3a3014a47f9",
}
IMPORTED_IRIS = {URIRef("http://www.w3.org/ns/org#"), URIRef("http://www.w3.org/ns/prov#")}
# What the OWL API finds wrong in the published files themselves (none of it is itops's):
# DL profile violations per file, the one triple of ORG it cannot parse, and PROV's punnings.
VOCABULARY_DL_VIOLATIONS = {"org.nt": 69, "prov.nt": 54}
VOCABULARY_UNPARSED = [
    "org.nt: <http://www.w3.org/ns/org#hasMember> <http://www.w3.org/2002/07/owl#equivalentProperty>"
    " <http://xmlns.com/foaf/0.1/member>."
]
VOCABULARY_PUNNED = ("http://www.w3.org/ns/prov#wasRevisionOf", "http://www.w3.org/ns/prov#specializationOf")


def _folder(name: Folder) -> Path:
    return Path(str(resource_dir(name)))


def _data_file(name: str) -> Path:
    path = _folder("data") / name
    if not path.is_file():
        pytest.fail(f"data file {name} is missing from {path.parent}", pytrace=False)
    return path


def assert_clean(report: dict[str, Any], *, with_vocabularies: bool = False) -> None:
    """No unparsed triples, no OWL 2 DL violations, no missing imports, no loader complaints.

    With ``with_vocabularies`` the closure holds the published ORG and PROV: exactly their own
    known problems are allowed, and nothing else (so every itops file of the closure is clean).
    """
    name = Path(report["file"]).name
    unparsed = VOCABULARY_UNPARSED if with_vocabularies else []
    assert report["unparsed_triples"] == unparsed, f"{name}: triples the OWL API could not parse"
    violations = VOCABULARY_DL_VIOLATIONS if with_vocabularies else {}
    assert report["dl_violation_documents"] == violations, f"{name}: OWL 2 DL violations per file"
    if not with_vocabularies:
        assert report["dl_violations"] == [], f"{name}: OWL 2 DL profile violations"
    assert report["guessed_declarations"] == [], f"{name}: entities without declarations"
    assert report["missing_imports"] == [], f"{name}: imports not resolved locally: " + "; ".join(
        report["import_errors"]
    )
    messages = [
        m
        for m in report["loader_messages"]
        if not (
            with_vocabularies
            and "Illegal redeclarations" in m
            and any(f"reuse of entity {iri} in punning" in m for iri in VOCABULARY_PUNNED)
        )
    ]
    assert messages == [], f"{name}: the OWL API logged problems while loading"


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release")
    build_release(out)
    return out


def test_ontology_is_owl2_dl_with_org_and_prov_imported(owl_check: OwlCheck) -> None:
    """itops.ttl with its imports (ORG, PROV) resolved through its catalog, network off."""
    report = owl_check(_folder("ontology") / "itops.ttl", _folder("ontology") / "catalog-v001.xml")
    assert_clean(report, with_vocabularies=True)
    assert report["ontology_iri"] == str(ONTOLOGY_IRI)
    assert "http://www.w3.org/ns/org#" in report["imports"]
    assert any(iri.endswith("/ns/prov#") or "/ns/prov-" in iri for iri in report["imports"])
    assert report["root_axioms"] >= ONTOLOGY_MIN_AXIOMS
    assert report["logical_axioms"] >= ONTOLOGY_MIN_LOGICAL_AXIOMS


def test_ontology_imports_nothing_unmapped(owl_check: OwlCheck) -> None:
    """Without a catalog the imports are reported missing, never fetched (the check can fail)."""
    report = owl_check(_folder("ontology") / "itops.ttl")
    assert set(report["missing_imports"]) == {str(i) for i in IMPORTED_IRIS}
    assert report["dl_violations"] == []  # the file read alone is OWL 2 DL too


@pytest.mark.parametrize("name", sorted(IMPORTS))
def test_imported_vocabulary_is_the_published_file(name: str) -> None:
    path = _folder("ontology") / "imports" / name
    assert hashlib.sha256(path.read_bytes()).hexdigest() == IMPORTS[name]
    readme = (_folder("ontology") / "imports" / "README.md").read_text(encoding="utf-8")
    assert name in readme and "licen" in readme.lower()


@pytest.mark.parametrize("name", DATA_FILES)
def test_data_file_is_owl2_dl_with_local_imports(owl_check: OwlCheck, name: str) -> None:
    report = owl_check(_data_file(name), _folder("ontology") / "catalog-v001.xml", _folder("ontology"), _folder("data"))
    assert_clean(report, with_vocabularies=True)
    assert report["ontology_iri"].startswith("https://w3id.org/itops/data/")
    assert str(ONTOLOGY_IRI) in report["imports"]
    assert report["root_axioms"] >= (DATA_MIN_OWN_AXIOMS if name in LARGE_DATA_FILES else SMALL_DATA_MIN_OWN_AXIOMS)
    assert report["logical_axioms"] > ONTOLOGY_MIN_LOGICAL_AXIOMS


@pytest.mark.parametrize("name", DATA_FILES)
def test_data_file_imports_resolve_through_protege_catalog(owl_check: OwlCheck, name: str) -> None:
    """Opening a data file in Protégé resolves its imports through data/catalog-v001.xml."""
    report = owl_check(_data_file(name), _folder("data") / "catalog-v001.xml")
    assert_clean(report, with_vocabularies=True)
    assert str(ONTOLOGY_IRI) in report["imports"]


@pytest.mark.parametrize(
    "name", ["itops-full.ttl", "itops-full.owl", "itops-full.jsonld", "itops-full.nt", "itops.owl"]
)
def test_release_file_is_self_contained_owl2_dl(owl_check: OwlCheck, release_dir: Path, name: str) -> None:
    report = owl_check(release_dir / name)  # no local folders: nothing may need importing
    assert_clean(report)
    assert report["ontology_iri"] == str(ONTOLOGY_IRI)
    assert report["imports"] == []
    assert report["axioms"] >= ONTOLOGY_MIN_AXIOMS
    if name.startswith("itops-full"):
        assert report["logical_axioms"] >= FULL_MIN_LOGICAL_AXIOMS


def test_checker_reports_problems(owl_check: OwlCheck, tmp_path: Path) -> None:
    """The check can fail: a broken file gives each kind of finding, and nothing is fetched."""
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        """
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix ex: <https://example.org/bad#> .
        <https://example.org/bad> a owl:Ontology ; owl:imports <https://example.org/not-local> .
        ex:p a owl:ObjectProperty , owl:DatatypeProperty .
        ex:A a owl:Class ; rdfs:subClassOf ex:Undeclared .
        ex:A owl:notAnOwlTerm ex:B .
        """,
        encoding="utf-8",
    )
    report = owl_check(bad, tmp_path)
    assert report["missing_imports"] == ["https://example.org/not-local"]
    assert any("not mapped to a local file" in e for e in report["import_errors"])
    assert any("notAnOwlTerm" in t for t in report["unparsed_triples"])
    assert any("Undeclared" in v for v in report["dl_violations"])
    assert any("Illegal redeclarations" in m for m in report["loader_messages"])


def _catalog(folder: Path) -> dict[str, Path]:
    root = ET.parse(folder / "catalog-v001.xml").getroot()
    assert root.tag == f"{CATALOG_NS}catalog"
    return {e.attrib["name"]: (folder / e.attrib["uri"]).resolve() for e in root.iter(f"{CATALOG_NS}uri")}


def _ontology_iri(path: Path) -> tuple[URIRef, set[URIRef]]:
    graph = Graph().parse(path, format="turtle")
    headers = [s for s in graph.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef)]
    assert len(headers) == 1, f"{path.name}: expected one owl:Ontology, found {headers}"
    imports = {o for o in graph.objects(headers[0], OWL.imports) if isinstance(o, URIRef)}
    return headers[0], imports


def _declares_ontology(path: Path, iri: str) -> bool:
    graph = Graph().parse(path, format="nt" if path.suffix == ".nt" else "turtle")
    return (URIRef(iri), RDF.type, OWL.Ontology) in graph


def test_ontology_catalog_maps_the_imports_to_the_published_files() -> None:
    """ontology/catalog-v001.xml maps every import of itops.ttl (and theirs) to a local file."""
    catalog = _catalog(_folder("ontology"))
    _iri, imports = _ontology_iri(_folder("ontology") / "itops.ttl")
    assert imports == IMPORTED_IRIS
    imports_dir = (_folder("ontology") / "imports").resolve()
    imported_by = {}  # what the published files import in turn, and which file does
    for name in IMPORTS:
        graph = Graph().parse(imports_dir / name, format="nt")
        for imported in graph.objects(None, OWL.imports):
            imported_by[str(imported)] = name
            assert str(imported) in catalog, f"{name} imports {imported}, not in the catalog"
    for iri, target in catalog.items():
        assert target.parent == imports_dir and target.name in IMPORTS, f"{iri} -> {target}"
        # an IRI the PROV namespace document imports from itself maps to that same file
        assert _declares_ontology(target, iri) or imported_by.get(iri) == target.name, (
            f"{target.name} holds no owl:Ontology {iri}"
        )
    assert {str(i) for i in imports} <= set(catalog)
    # the data catalog resolves the same imports to the same files
    data_catalog = _catalog(_folder("data"))
    assert {k: v for k, v in data_catalog.items() if k in catalog} == catalog


def test_protege_catalogs_match_the_files() -> None:
    """data/catalog-v001.xml maps every data file's IRI and every import to the right file."""
    catalog = _catalog(_folder("data"))
    assert catalog[str(ONTOLOGY_IRI)] == (_folder("ontology") / "itops.ttl").resolve()
    for target in catalog.values():
        assert target.is_file(), f"catalog points at a missing file: {target}"
    for name in DATA_FILES:
        path = _data_file(name)
        iri, imports = _ontology_iri(path)
        assert catalog.get(str(iri)) == path.resolve(), f"catalog does not map {iri} to {name}"
        for imported in imports:
            assert str(imported) in catalog, f"{name} imports {imported}, not in the catalog"
