"""Succession: what the 2013 names stand for on a date, as-of questions, and registers in today's names."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import RDF

from itops.cli import main
from itops.errors import ParameterError
from itops.graph import KnowledgeGraph
from itops.lineage import changes, resolve
from itops.namespace import ID, ITOPS
from itops.validate import validate

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DAY = timedelta(days=1)


def now(kg: KnowledgeGraph, name: str, on: date) -> set[URIRef]:
    return set(resolve(kg.graph, ID[name], on).current)


def test_every_change_has_a_date_a_result_and_a_source(kg: KnowledgeGraph) -> None:
    found = changes(kg.graph)
    assert len(found) >= 20
    for change in found:
        assert change.legal or change.operational, change.iri
        assert change.evidence, change.iri
        assert all(e.url.startswith("http") and e.excerpt for e in change.evidence), change.iri
        assert change.results or change.kind == "delegation", change.iri


@pytest.mark.parametrize(
    ("entity", "changed_on", "before", "after"),
    [
        ("hscic", date(2016, 8, 1), {"hscic"}, {"nhs-digital"}),
        ("hscic", date(2023, 2, 1), {"nhs-digital"}, {"nhs-england"}),
        ("ccgs", date(2022, 7, 1), {"ccgs"}, {"icbs"}),
        ("isb-0160", date(2014, 4, 1), {"isb-0160"}, {"scci0160"}),
        ("isb-0160", date(2017, 4, 1), {"scci0160"}, {"dcb0160"}),
        ("isb-0129", date(2017, 4, 1), {"scci0129"}, {"dcb0129"}),
        ("igt", date(2018, 4, 1), {"igt"}, {"dspt"}),
        ("n3", date(2017, 4, 1), {"n3"}, {"hscn"}),
        ("choose-and-book", date(2015, 6, 15), {"choose-and-book"}, {"e-rs"}),
        ("spine", date(2014, 8, 22), {"spine"}, {"spine-2"}),
        ("nhais", date(2024, 1, 1), {"nhais"}, {"pcrm"}),
        ("nhsmail", date(2016, 4, 1), {"nhsmail"}, {"nhsmail-2"}),
        ("nhs-cb-area-teams", date(2019, 4, 1), {"nhs-cb-area-teams"}, {"nhs-england-regional-teams"}),
    ],
)
def test_as_of_before_on_and_after_each_change(
    kg: KnowledgeGraph, entity: str, changed_on: date, before: set[str], after: set[str]
) -> None:
    assert now(kg, entity, changed_on - DAY) == {ID[x] for x in before}
    assert now(kg, entity, changed_on) == {ID[x] for x in after}
    assert now(kg, entity, changed_on + DAY) == {ID[x] for x in after} or changed_on == date(2016, 8, 1)


def test_nhs_cb_is_nhs_england_operationally_from_2013_and_legally_from_2022(kg: KnowledgeGraph) -> None:
    assert now(kg, "nhs-cb", date(2013, 4, 1)) == {ID["nhs-england"]}
    legal = resolve(kg.graph, ID["nhs-cb"], date(2020, 1, 1), basis="legal")
    assert set(legal.current) == {ID["nhs-cb"]}
    assert set(resolve(kg.graph, ID["nhs-cb"], date(2022, 7, 1), basis="legal").current) == {ID["nhs-england"]}


def test_delegation_is_not_transfer(kg: KnowledgeGraph) -> None:
    before = resolve(kg.graph, ID["nhs-cb"], date(2023, 3, 31))
    after = resolve(kg.graph, ID["nhs-cb"], date(2023, 4, 1))
    assert before.delegations == ()
    assert [d.delegated_to for d in after.delegations] == [(ID["icbs"],)]
    assert [d.accountable for d in after.delegations] == [(ID["nhs-england"],)]
    assert set(after.current) == {ID["nhs-england"]}  # the function moved, the body did not


def test_dates_before_2013_are_refused(kg: KnowledgeGraph) -> None:
    with pytest.raises(ParameterError, match="before the documents took effect"):
        resolve(kg.graph, ID["hscic"], date(2012, 12, 31))


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["resolve", "HSCIC", "--on", "2024-01-01"], "HSCIC on 2024-01-01: NHS England"),
        (["resolve", "ISB 0160", "--on", "2018-01-01"], "ISB 0160 on 2018-01-01: DCB0160"),
        (["resolve", "Choose and Book", "--on", "2015-06-14"], "Choose and Book on 2015-06-14: Choose and Book"),
        (["resolve", "ICB"], "ICBs is what CCGs became"),
    ],
)
def test_resolve_command(capsys: pytest.CaptureFixture[str], argv: list[str], expected: str) -> None:
    assert main(argv) == 0
    assert expected in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["resolve", "HSCIC", "--on", "2012-01-01"], "before the documents took effect"),
        (["resolve", "HSCIC", "--on", "01/02/2020"], "YYYY-MM-DD"),
        (["resolve", "Health Authority of Atlantis"], "nothing is called"),
    ],
)
def test_resolve_command_errors(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_as_of_commissioning_names_today_s_bodies_and_delegation(kg: KnowledgeGraph) -> None:
    rows = kg.query("as-of-commissioning", {"on": "2024-01-01", "document": "cp-2012"}).as_dicts()
    contractor = [r for r in rows if r["provider_2013"] == "primary care contractors" and r["kind"] == "prose"]
    assert contractor and all(r["commissioner_on"] == "NHS England" for r in contractor)
    assert {(r["delegated_to"], r["accountable"]) for r in contractor} == {("ICBs", "NHS England")}
    earlier = kg.query("as-of-commissioning", {"on": "2023-03-31", "document": "cp-2012"}).as_dicts()
    assert {r["delegated_to"] for r in earlier} == {""}


def test_as_of_commissioning_drops_statements_that_ended(kg: KnowledgeGraph) -> None:
    rows = kg.query("as-of-commissioning", {"on": "2013-04-01", "document": "af-2013"}).as_dicts()
    assert "PCTs" not in {r["commissioner_2013"] for r in rows}
    assert {r["commissioner_on"] for r in rows if r["commissioner_2013"] == "CCGs"} == {"CCGs"}
    later = kg.query("as-of-commissioning", {"on": "2022-07-01", "document": "af-2013"}).as_dicts()
    assert {r["commissioner_on"] for r in later if r["commissioner_2013"] == "CCGs"} == {"ICBs"}


def test_as_of_accountability(kg: KnowledgeGraph) -> None:
    rows = {
        r["row"]: r for r in kg.query("as-of-accountability", {"on": "2023-06-01", "document": "af-2013"}).as_dicts()
    }
    assert (rows["3"]["body_on"], rows["3"]["delivery_on"]) == ("NHS England", "NHS England")
    assert rows["8"]["body_on"] == "ICBs"
    rows = {
        r["row"]: r for r in kg.query("as-of-accountability", {"on": "2020-01-01", "document": "af-2013"}).as_dicts()
    }
    assert (rows["3"]["delivery_on"], rows["8"]["body_on"]) == ("NHS Digital", "CCGs")


def test_as_of_responsibilities_standards(kg: KnowledgeGraph) -> None:
    rows = kg.query(
        "as-of-responsibilities", {"on": "2024-01-01", "function": "Information Governance", "document": "af-2013"}
    ).as_dicts()
    ccg = [r for r in rows if r["party_2013"] == "CCGs" and r["number"] == "1"]
    assert ccg[0]["party_on"] == "ICBs" and ccg[0]["standards_on"] == "Data Security and Protection Toolkit"


def test_as_of_query_refuses_dates_before_2013(kg: KnowledgeGraph) -> None:
    with pytest.raises(ParameterError, match="2013-04-01"):
        kg.query("as-of-accountability", {"on": "2011-01-01"})


def test_register_in_today_s_names_gives_the_same_findings() -> None:
    def findings(path: Path, engine: str) -> set[tuple[str, str, str]]:
        kg = KnowledgeGraph.bundled()
        kg.add_input(str(path))
        return {(f.ods_code, f.shape.rsplit("#", 1)[-1], f.severity) for f in validate(kg, engine=engine).findings}  # type: ignore[arg-type]

    then = findings(EXAMPLES / "register.csv", "pyshacl")
    with open(EXAMPLES / "register-today.csv", newline="") as handle:
        today_rows = list(csv.DictReader(handle))
    assert any(r["type"] == "ICB" for r in today_rows) and any("DCB0160" in r["assurance_holders"] for r in today_rows)
    assert findings(EXAMPLES / "register-today.csv", "pyshacl") == then
    assert findings(EXAMPLES / "register-today.csv", "oxigraph") == then
    assert len(then) == 18  # examples/register-breaks.csv


def test_ods_codes_are_identifiers_typed_as_such() -> None:
    kg = KnowledgeGraph.bundled()
    kg.add_input(str(EXAMPLES / "register-today.csv"))
    code = kg.graph.value(URIRef("https://w3id.org/itops/ods/99X"), ITOPS.odsCode)
    assert str(code) == "99X"


def test_rdflib_and_store_mappings_add_the_same_2013_statements() -> None:
    # validation maps today's names one way on an rdflib graph and another in a store: the same statements
    import pyoxigraph as ox
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from itops.loader import mapped_store, store_from_graph, with_2013_names
    from itops.terms import to_rdflib

    kg = KnowledgeGraph.bundled()
    kg.add_register(str(Path(__file__).resolve().parent.parent / "examples" / "register-today.csv"))
    data = kg.union()
    store = store_from_graph(data)
    before_store = set(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    mapped_store(store)
    by_store = Graph()
    for quad in set(store.quads_for_pattern(None, None, None, ox.DefaultGraph())) - before_store:
        by_store.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))  # type: ignore[arg-type]
    before = set(data)
    by_rdflib = Graph()
    for triple in set(with_2013_names(data)) - before:
        by_rdflib.add(triple)
    assert len(by_rdflib) > 0 and isomorphic(by_rdflib, by_store)
    # the 2013 reading the text speaks of: an integrated care board is read as a CCG, HSCN as N3
    assert (URIRef("https://w3id.org/itops/ods/99X"), RDF.type, ITOPS.ClinicalCommissioningGroup) in by_rdflib
    assert (URIRef("https://w3id.org/itops/ods/0DE"), ITOPS.connectsTo, ID.n3) in by_rdflib


def test_a_register_cannot_give_its_own_names_a_2013_meaning() -> None:
    # the equivalents come from the bundled lineage alone: a register's own change event must not make
    # its local network read as N3 (and so bring the N3 rules, or hide their absence)
    import pyoxigraph as ox
    from rdflib import Graph, Literal
    from rdflib.namespace import XSD

    from itops.loader import mapped_store, store_from_graph, with_2013_names

    local, event = URIRef("urn:x:local-net"), URIRef("urn:x:renamed")
    on_local, on_hscn = URIRef("urn:x:on-local"), URIRef("urn:x:on-hscn")
    data = Graph()
    data += [
        (event, RDF.type, ITOPS.Replacement),
        (event, ITOPS.changeOf, ID.n3),
        (event, ITOPS.resultsIn, local),
        (event, ITOPS.operationalDate, Literal("2020-01-01T00:00:00", datatype=XSD.dateTime)),
        (on_local, ITOPS.connectsTo, local),
        (on_hscn, ITOPS.connectsTo, ID.hscn),  # today's name in the bundled lineage: read as N3
    ]
    store = mapped_store(store_from_graph(data))
    assert set(with_2013_names(data).subjects(ITOPS.connectsTo, ID.n3)) == {on_hscn}
    pattern = store.quads_for_pattern(None, ox.NamedNode(str(ITOPS.connectsTo)), ox.NamedNode(str(ID.n3)))
    assert {q.subject.value for q in pattern} == {str(on_hscn)}
