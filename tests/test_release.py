"""The release files: deterministic, faithful to the sources, and written atomically."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rdflib import BNode, Graph
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF

import itops.release as release
from itops.release import (
    MARKER,
    ONTOLOGY_IRI,
    RELEASE_FILES,
    Format,
    build_release,
    data_graphs,
    merged_graph,
    ontology_graph,
    render_release,
    serialize,
)

RDFLIB_FORMATS = {".ttl": "turtle", ".owl": "xml", ".jsonld": "json-ld", ".nt": "nt"}
NAMES = [name for name, _merged, _fmt in RELEASE_FILES]
BUILD = (
    "import sys; from pathlib import Path; from itops.release import build_release; build_release(Path(sys.argv[1]))"
)


def _build_in_subprocess(out: Path, seed: str, cwd: Path) -> None:
    # the child imports the same itops as this process (the installed one under scripts/test.sh)
    package_parent = str(Path(release.__file__).resolve().parents[1])
    pythonpath = os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": pythonpath}
    subprocess.run([sys.executable, "-c", BUILD, str(out)], env=env, cwd=cwd, check=True, timeout=300)


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release")
    assert [p.name for p in build_release(out)] == NAMES
    return out


@pytest.fixture(scope="module")
def merged() -> Graph:
    return merged_graph()


def test_byte_identical_across_processes_and_hash_seeds(tmp_path: Path) -> None:
    _build_in_subprocess(tmp_path / "a", "1", tmp_path)
    _build_in_subprocess(tmp_path / "b", "4242", tmp_path)
    files_a = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files_a == sorted([*NAMES, MARKER])  # the release files, and the marker that lets a release replace it
    assert files_a == sorted(p.name for p in (tmp_path / "b").iterdir())
    differing = [n for n in NAMES if (tmp_path / "a" / n).read_bytes() != (tmp_path / "b" / n).read_bytes()]
    assert differing == [], f"release files differ between PYTHONHASHSEED=1 and =4242: {differing}"
    # and this process (another random seed) renders the same bytes
    rendered = render_release()
    assert [n for n in NAMES if rendered[n] != (tmp_path / "a" / n).read_bytes()] == []


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")  # rdflib's
@pytest.mark.parametrize("name", NAMES)  # own JSON-LD parser
def test_release_file_parses_back_to_its_graph(release_dir: Path, merged: Graph, name: str) -> None:
    path = release_dir / name
    parsed = Graph().parse(path, format=RDFLIB_FORMATS[path.suffix])
    expected = merged if name.startswith("itops-full") else ontology_graph()
    assert len(parsed) == len(expected)
    assert isomorphic(parsed, expected), f"{name} does not hold the same triples as its source"


def test_merged_graph_is_one_self_contained_ontology(merged: Graph) -> None:
    assert list(merged.subjects(RDF.type, OWL.Ontology)) == [ONTOLOGY_IRI]
    assert list(merged.triples((None, OWL.imports, None))) == []
    assert (ONTOLOGY_IRI, OWL.versionIRI, None) in merged  # the main header is kept whole
    assert set(ontology_graph().triples((ONTOLOGY_IRI, None, None))) == set(merged.triples((ONTOLOGY_IRI, None, None)))


def test_merged_graph_holds_every_data_triple_but_the_headers(merged: Graph) -> None:
    sources = data_graphs()
    assert sources, "no data files found"
    for name, data in sources:
        headers = set(data.subjects(RDF.type, OWL.Ontology))
        assert len(headers) == 1, f"{name}: expected one owl:Ontology header"
        kept = [t for t in data if t[0] not in headers and not any(isinstance(term, BNode) for term in t)]
        missing = [t for t in kept if t not in merged]
        assert missing == [], f"{name}: {len(missing)} triples missing from the merge"


@pytest.mark.parametrize("fmt", ["turtle", "xml", "json-ld", "nt"])
def test_serialize_ignores_insertion_order(merged: Graph, fmt: Format) -> None:
    """serialize() canonicalises by default: the same triples give the same bytes."""
    triples = sorted(merged, key=lambda t: tuple(term.n3() for term in t))
    random.Random(7).shuffle(triples)
    shuffled = Graph()  # rdflib's default bindings, triples in another order
    for triple in triples:
        shuffled.add(triple)
    for prefix, namespace in merged.namespaces():
        shuffled.bind(prefix, namespace, override=True)
    assert serialize(shuffled, fmt) == serialize(merged, fmt)


def test_release_files_have_no_timestamps_or_paths(release_dir: Path) -> None:
    for name in NAMES:
        text = (release_dir / name).read_text(encoding="utf-8")
        assert str(release_dir) not in text
        assert "file:/" not in text, f"{name} names a local file"


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_serializer_failure_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "itops.ttl").write_bytes(b"old")
    real = Graph.serialize

    def failing(self: Graph, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("format") == "xml" or "xml" in args:
            raise RuntimeError("simulated serializer failure")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Graph, "serialize", failing)
    with pytest.raises(RuntimeError, match="simulated"):
        build_release(out)
    assert _leftovers(out) == ["itops.ttl"]
    assert (out / "itops.ttl").read_bytes() == b"old"


def test_runs_against_the_installed_package() -> None:
    """Under scripts/test.sh the tests must exercise the installed package, not the checkout."""
    if os.environ.get("ITOPS_TEST_INSTALLED") == "1":
        location = Path(release.__file__).resolve()
        assert "site-packages" in location.parts, f"itops imported from {location}"
        assert (location.parent / "ontology" / "itops.ttl").is_file()
