"""The ontology, the data files and the release files as the OWL API (Protégé's library) sees them.

Every file must parse with no unparsed triples, be in OWL 2 DL (no profile violations over its
imports closure), resolve its imports from local files only, and load without the OWL API
logging errors or warnings (it logs, for example, the punnings it silently drops).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from owlapi import OwlCheck, owl_check  # noqa: F401  (fixture)
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from itops.release import ONTOLOGY_IRI, build_release
from itops.resources import Folder, resource_dir

DATA_FILES = sorted(f.name for f in resource_dir("data").iterdir() if f.name.endswith(".ttl"))
CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"

# Floors well below today's counts, high enough to catch a file that lost most of its content.
ONTOLOGY_MIN_AXIOMS = 500
ONTOLOGY_MIN_LOGICAL_AXIOMS = 150
DATA_MIN_OWN_AXIOMS = 200
FULL_MIN_LOGICAL_AXIOMS = 1500


def _folder(name: Folder) -> Path:
    return Path(str(resource_dir(name)))


def _data_file(name: str) -> Path:
    path = _folder("data") / name
    if not path.is_file():
        pytest.fail(f"data file {name} is missing from {path.parent}", pytrace=False)
    return path


def assert_clean(report: dict[str, Any]) -> None:
    """No unparsed triples, no OWL 2 DL violations, no missing imports, no loader complaints."""
    name = Path(report["file"]).name
    assert report["unparsed_triples"] == [], f"{name}: triples the OWL API could not parse"
    assert report["dl_violations"] == [], f"{name}: OWL 2 DL profile violations"
    assert report["guessed_declarations"] == [], f"{name}: entities without declarations"
    assert report["missing_imports"] == [], f"{name}: imports not resolved locally: " + "; ".join(
        report["import_errors"]
    )
    assert report["loader_messages"] == [], f"{name}: the OWL API logged problems while loading"


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release")
    build_release(out)
    return out


def test_ontology_alone_is_owl2_dl(owl_check: OwlCheck) -> None:
    report = owl_check(_folder("ontology") / "itops.ttl")
    assert_clean(report)
    assert report["ontology_iri"] == str(ONTOLOGY_IRI)
    assert report["imports"] == []
    assert report["axioms"] >= ONTOLOGY_MIN_AXIOMS
    assert report["logical_axioms"] >= ONTOLOGY_MIN_LOGICAL_AXIOMS


@pytest.mark.parametrize("name", DATA_FILES)
def test_data_file_is_owl2_dl_with_local_imports(owl_check: OwlCheck, name: str) -> None:
    report = owl_check(_data_file(name), _folder("ontology"), _folder("data"))
    assert_clean(report)
    assert report["ontology_iri"].startswith("https://w3id.org/itops/data/")
    assert str(ONTOLOGY_IRI) in report["imports"]
    assert report["root_axioms"] >= DATA_MIN_OWN_AXIOMS
    assert report["logical_axioms"] > ONTOLOGY_MIN_LOGICAL_AXIOMS


@pytest.mark.parametrize("name", DATA_FILES)
def test_data_file_imports_resolve_through_protege_catalog(owl_check: OwlCheck, name: str) -> None:
    """Opening a data file in Protégé resolves its imports through data/catalog-v001.xml."""
    report = owl_check(_data_file(name), _folder("data") / "catalog-v001.xml")
    assert_clean(report)
    assert str(ONTOLOGY_IRI) in report["imports"]


@pytest.mark.parametrize(
    "name", ["itops-full.ttl", "itops-full.owl", "itops-full.jsonld", "itops-full.nt", "itops.owl"]
)
def test_release_file_is_self_contained_owl2_dl(
    owl_check: OwlCheck, release_dir: Path, name: str
) -> None:
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
    return {
        e.attrib["name"]: (folder / e.attrib["uri"]).resolve() for e in root.iter(f"{CATALOG_NS}uri")
    }


def _ontology_iri(path: Path) -> tuple[URIRef, set[URIRef]]:
    graph = Graph().parse(path, format="turtle")
    headers = [s for s in graph.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef)]
    assert len(headers) == 1, f"{path.name}: expected one owl:Ontology, found {headers}"
    imports = {o for o in graph.objects(headers[0], OWL.imports) if isinstance(o, URIRef)}
    return headers[0], imports


def test_protege_catalogs_match_the_files() -> None:
    """data/catalog-v001.xml maps every data file's IRI and every import to the right file."""
    assert _catalog(_folder("ontology")) == {}  # the ontology imports nothing
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
