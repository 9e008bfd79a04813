"""Named queries: header parsing, parameter resolution and binding, answers from the documents."""

from __future__ import annotations

import json

import pytest
from rdflib import URIRef

from itops.errors import ParameterError, UnknownQueryError
from itops.graph import KnowledgeGraph
from itops.namespace import ID
from itops.query import NamedQuery, all_queries, load_query, query_names, resolve_parameters


def test_every_query_declares_title_description_and_columns() -> None:
    assert {"commissioning", "accountability", "responsibilities"} <= set(query_names())
    for query in all_queries():
        assert query.title and query.title != query.name, query.name
        assert query.description, query.name
        assert query.columns, query.name
        if any(p.required for p in query.parameters):
            assert query.examples, f"{query.name} has required parameters but no '# example:' line"


def test_every_query_returns_its_declared_columns(kg: KnowledgeGraph) -> None:
    for query in all_queries():
        result = kg.query(query, query.examples[0] if query.examples else {})
        assert result.columns == query.columns, query.name
        assert result.rows, f"{query.name} returned no rows on the documents"


def test_unknown_query_lists_the_known_ones() -> None:
    with pytest.raises(UnknownQueryError) as err:
        load_query("commisioning")
    assert "commissioning" in str(err.value)
    with pytest.raises(UnknownQueryError):
        load_query("../pyproject")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("NHS CB", ID["nhs-cb"]),
        ("nhs cb", ID["nhs-cb"]),
        ("NHS Commissioning Board", ID["nhs-cb"]),
        ("id:nhs-cb", ID["nhs-cb"]),
        ("https://w3id.org/itops/id/nhs-cb", ID["nhs-cb"]),
        ("nhs-cb", ID["nhs-cb"]),
        ("HSCIC", ID["hscic"]),
        ("Health and Social Care Information Centre", ID["hscic"]),
        ("CCG", ID["ccgs"]),
        ("CSU or any other IT Service Provider", ID["csus-or-any-other-provider"]),
    ],
)
def test_party_parameter_accepts_acronym_label_slug_and_iri(kg: KnowledgeGraph, value: str, expected: URIRef) -> None:
    bound = resolve_parameters(load_query("commissioning"), {"commissioner": value}, kg.graph, kg.names())
    assert bound == {"commissioner_param": expected}


def test_unknown_name_gets_candidates(kg: KnowledgeGraph) -> None:
    with pytest.raises(ParameterError) as err:
        kg.query("commissioning", {"commissioner": "HSCIK"})
    assert err.value.parameter == "commissioner"
    assert "hscic" in [c.lower() for c in err.value.candidates]


def test_name_of_the_wrong_kind_is_refused(kg: KnowledgeGraph) -> None:
    with pytest.raises(ParameterError) as err:
        kg.query("commissioning", {"commissioner": "EPS"})
    assert "nothing in the graph" in str(err.value)


def test_ambiguous_name_lists_candidates() -> None:
    query = NamedQuery.parse("t", "# param: thing IRI optional anything\nSELECT * WHERE { ?s ?p ?thing_param }")
    kg = KnowledgeGraph.bundled()
    # "secondary care" names both a care service and the category of its providers
    with pytest.raises(ParameterError) as err:
        resolve_parameters(query, {"thing": "secondary care"}, kg.graph)
    assert "ambiguous" in str(err.value)
    assert len(err.value.candidates) >= 2


def test_unknown_and_missing_parameters_are_named(kg: KnowledgeGraph) -> None:
    with pytest.raises(ParameterError) as err:
        kg.query("commissioning", {"comissioner": "NHS CB"})
    assert err.value.parameter == "comissioner"
    assert "commissioner" in err.value.candidates


@pytest.mark.parametrize(
    "hostile",
    [
        '"} ; DROP ALL ; {',
        'NHS CB" } UNION { ?s ?p ?o',
        "<http://x> } ; DROP ALL ; {",
        "'; DELETE WHERE { ?s ?p ?o } #",
    ],
)
def test_sparql_syntax_in_a_parameter_finds_nothing_and_changes_nothing(kg: KnowledgeGraph, hostile: str) -> None:
    before = len(kg.graph)
    with pytest.raises(ParameterError):
        kg.query("commissioning", {"commissioner": hostile})
    query = NamedQuery.parse(
        "t",
        "# param: text string required a label\n"
        "SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label . FILTER(STR(?label) = ?text_param) }",
    )
    assert kg.query(query, {"text": hostile}).rows == ()
    assert len(kg.graph) == before


# ----------------------------------------------------------------------------------- answers


def test_who_commissions_registration_authority_services_for_contractors(kg: KnowledgeGraph) -> None:
    rows = kg.query("commissioning", {"service": "registration authority service"}).as_dicts()
    assert [(r["document"], r["commissioner"], r["via"], r["provider"]) for r in rows] == [
        ("cp-2012", "NHS CB", "NHS CB regional and area teams", "CSUs or any other provider")
    ]


def test_mod_dms_rows_name_two_commissioners(kg: KnowledgeGraph) -> None:
    rows = kg.query("commissioning", {"commissioner": "DMS"}).as_dicts()
    assert {r["row"] for r in rows} == {"9", "10"}
    assert all(r["commissioner"] == "DMS; MoD" for r in rows)


def test_hscic_accountable_for_management_rows(kg: KnowledgeGraph) -> None:
    rows = [r for r in kg.query("accountability").as_dicts() if r["management"] == "HSCIC"]
    assert sorted((r["document"], r["row"]) for r in rows) == [
        ("af-2013", "3"),
        ("af-2013", "5"),
        ("cp-2012", "11"),
        ("cp-2012", "4"),
    ]


def test_filter_by_category_matches_broader_categories(kg: KnowledgeGraph) -> None:
    # "DMS" is one of the parties accountable for delivery in AF rows 4 (HSCIC and DMS) and 7
    # ("DMS, secondary care and community providers", which comprises DMS).
    rows = kg.query("accountability", {"document": "af-2013", "delivery": "DMS"}).as_dicts()
    assert sorted(int(r["row"]) for r in rows) == [4, 7]


def test_json_output_is_sparql_results_format(kg: KnowledgeGraph) -> None:
    data = json.loads(kg.query("glossary", {"document": "cp-2012"}).to_json())
    assert data["head"]["vars"] == ["document", "term", "acronym", "denotes"]
    first = data["results"]["bindings"][0]
    assert first["term"] == {"type": "literal", "value": "Choose and Book"}
    assert first["denotes"] == {"type": "uri", "value": str(ID["choose-and-book"])}
