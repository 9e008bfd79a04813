"""Obligations as data: what applies to each kind of organisation and to each organisation of a register.

The expected obligations are written from the documents' text (the passages are quoted here),
never from the code's output.
"""

from __future__ import annotations

import csv
import random
import re
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from itops.coverage import NOT_REVIEWED, coverage, summarise
from itops.errors import ParameterError
from itops.graph import KnowledgeGraph
from itops.namespace import ID, ITOPS
from itops.obligations import (
    STATUSES,
    OrganisationObligation,
    arising_conditions,
    obligations_for_organisation,
    obligations_for_register,
    obligations_for_type,
)
from itops.register import ODS, organisation_types
from itops.reports import render as render_kind
from itops.synth import COLUMNS, generate
from itops.validate import Report, load_shapes, validate, validate_graph

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "sources"
EXAMPLE = ROOT / "examples" / "register.csv"
SHAPES_NS = "https://w3id.org/itops/shapes#"
VIOLATION_MODALITIES = {
    "will",
    "must",
    "is to",
    "has to",
    "need to",
    "will need to",
    "needs to",
    "will have to",
    "verbless",
    "is responsible for",
    "continues to be the responsibility of",
}
WARNING_MODALITIES = {"should", "may", "could"}


def passages(rows: list) -> set[str]:  # type: ignore[type-arg]
    return {r.passage if not isinstance(r, OrganisationObligation) else r.obligation.passage for r in rows}


@pytest.fixture(scope="module")
def example_kg() -> KnowledgeGraph:
    kg = KnowledgeGraph.bundled()
    kg.add_input(str(EXAMPLE))
    return kg


@pytest.fixture(scope="module")
def example_report(example_kg: KnowledgeGraph) -> Report:
    from itops.loader import with_2013_names

    return validate_graph(with_2013_names(example_kg.union()))


# ------------------------------------------------------------------------------------ the data


def test_every_obligation_has_party_modality_severity_passage_and_a_check_or_a_reason(kg: KnowledgeGraph) -> None:
    g = kg.graph
    shapes = load_shapes()
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape))
    obligations = list(g.subjects(RDF.type, ITOPS.Obligation))
    assert len(obligations) > 140
    problems = []
    for ob in obligations:
        checked = list(g.objects(ob, ITOPS.checkedBy))
        reason = g.value(ob, ITOPS.uncheckedBecause)
        if not list(g.objects(ob, ITOPS.obligedParty)) or g.value(ob, ITOPS.modality) is None:
            problems.append(f"{ob}: no party or modality")
        if bool(checked) == bool(reason):
            problems.append(f"{ob}: needs either checkedBy or uncheckedBecause, not both or neither")
        problems += [f"{ob}: checkedBy {s} is no node shape" for s in checked if s not in node_shapes]
        if g.value(ob, ITOPS.severity) not in (Literal("Violation"), Literal("Warning")):
            problems.append(f"{ob}: severity")
    assert problems == []


def test_severity_follows_the_wording(kg: KnowledgeGraph) -> None:
    """Violation for will/must/is to/has to/need(s) to and verbless duty cells; Warning for should/may/could,
    for a duty with a condition, and where the data says the text can be read two ways."""
    g = kg.graph
    wrong = []
    for ob in g.subjects(RDF.type, ITOPS.Obligation):
        modality = str(g.value(ob, ITOPS.modality))
        severity = str(g.value(ob, ITOPS.severity))
        two_ways = "two ways" in " ".join(
            str(o)
            for p in (ITOPS.uncheckedBecause, URIRef("http://www.w3.org/2004/02/skos/core#scopeNote"))
            for o in g.objects(ob, p)
        )
        expected = (
            "Warning"
            if (modality in WARNING_MODALITIES or g.value(ob, ITOPS.condition) is not None or two_ways)
            else "Violation"
        )
        assert modality in VIOLATION_MODALITIES | WARNING_MODALITIES, (ob, modality)
        if severity != expected:
            wrong.append((str(ob), modality, severity))
    assert wrong == []


def test_a_rule_is_never_stricter_than_the_obligations_it_checks(kg: KnowledgeGraph) -> None:
    """A shape that checks a Warning obligation reports at Warning severity, never Violation."""
    g = kg.graph
    shapes = load_shapes()

    def severities(shape: URIRef) -> set[str]:
        found = {str(shapes.value(shape, SH.severity))} if shapes.value(shape, SH.severity) is not None else set()
        for part in shapes.objects(shape, SH.property):
            found.add(str(shapes.value(part, SH.severity)))
        return {s.rsplit("#", 1)[-1] for s in found}

    stricter = []
    for ob in g.subjects(RDF.type, ITOPS.Obligation):
        if str(g.value(ob, ITOPS.severity)) != "Warning":
            continue
        for shape in g.objects(ob, ITOPS.checkedBy):
            assert isinstance(shape, URIRef)
            if "Violation" in severities(shape):
                stricter.append((str(ob), str(shape)))
    assert stricter == []


def test_every_rule_about_register_organisations_checks_some_obligation(kg: KnowledgeGraph) -> None:
    shapes = load_shapes()
    checking = {s for s in kg.graph.objects(None, ITOPS.checkedBy)}
    structural = {"commissioning and accountability structure", "provenance"}
    for shape in shapes.subjects(RDF.type, SH.NodeShape):
        family = str(shapes.value(shape, ITOPS.ruleFamily) or "")
        targets = set(shapes.objects(shape, SH.targetClass))
        if family in structural and targets & {
            ITOPS.CommissioningArrangement,
            ITOPS.AccountabilityArrangement,
            ITOPS.MatrixResponsibility,
            ITOPS.EscalationRoute,
            ITOPS.StandardRequirement,
            ITOPS.Statement,
        }:
            continue
        assert shape in checking, f"{shape} checks no obligation of data/obligations.ttl"


def test_the_unstated_escalation_route_is_a_reading_and_no_rule_rests_on_it(kg: KnowledgeGraph) -> None:
    """CP 2012 §06, NHS CB: "Will investigate issues/complaints and take remedial action for non compliance to
    ISB 0160" names nobody who escalates; the old route (contractors to the regional and area teams) is a reading."""
    g = kg.graph
    reading = ID["cp-2012-esc-isb0160"]
    assert (reading, RDF.type, ITOPS.Reading) in g
    assert (reading, RDF.type, ITOPS.EscalationRoute) not in g
    assert g.value(reading, ITOPS.escalatedBy) is None and g.value(reading, ITOPS.reasoning) is not None
    shapes = load_shapes()
    assert (None, None, reading) not in shapes
    assert not any(
        reading in set(g.objects(ob, ITOPS.derivedFromStatement)) for ob in g.subjects(RDF.type, ITOPS.Obligation)
    )


def test_fidelity_through_alternatives_and_on_behalf_of(kg: KnowledgeGraph) -> None:
    g = kg.graph
    # AF 2013 §03: "The DMS requiring access to national IT services will commission provision through the
    # NHS CB regional/area team." The team is the route, not the provider.
    access = ID["af-2013-cs-dms-national-access"]
    assert g.value(access, ITOPS.commissionedFrom) is None
    assert g.value(access, ITOPS.actsThrough) == ID["nhs-cb-regional-and-area-teams"]
    # CP 2012 §03: "may choose to deliver these functions itself or make arrangements for ... CSUs or any other IT provider"
    options = ID["cp-2012-cs-delivery-options"]
    assert g.value(options, ITOPS.commissionedFrom) is None
    assert set(g.objects(options, ITOPS.alternativeParty)) == {
        ID["nhs-cb-regional-and-area-teams"],
        ID["csus-or-any-other-provider"],
    }
    # CP 2012 §05: "HSCIC Responsible for commissioning national systems ... (on behalf of NHS CB)"
    assert g.value(ID["cp-2012-com-07"], ITOPS.onBehalfOf) == ID["nhs-cb"]
    # CP 2012 §02: "GP IT services will be managed by clinical commissioning group on behalf of the NHS CB."
    assert g.value(ID["cp-2012-rs-gp-it"], ITOPS.onBehalfOf) == ID["nhs-cb"]


def test_policy_directive_condition_and_definition_are_recorded(kg: KnowledgeGraph) -> None:
    g = kg.graph
    ob = ID["ob-cp-nhs-cb-national-access"]
    assert str(g.value(ob, ITOPS.condition)) == "where there is a policy directive"
    assert "Policy directive encompasses commitments from the NHS Commissioning Board" in str(
        g.value(ob, URIRef("http://www.w3.org/2004/02/skos/core#scopeNote"))
    )
    assert "encompasses commitments from the NHS Commissioning Board and from the Secretary of State's mandate" in (
        SOURCES / "primary-care-contractors-2012.txt"
    ).read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------ coverage


def test_coverage_counts_passages_and_every_register_obligation_is_checked_or_reasoned(kg: KnowledgeGraph) -> None:
    rows = coverage(kg)
    summary = summarise(rows)
    assert summary.not_reviewed == 0, [r.statement for r in rows if r.reason == NOT_REVIEWED]
    assert summary.unknown_shapes == ()
    assert summary.passages == len({(r.document, r.passage) for r in rows})
    assert summary.checked + summary.with_reason == summary.passages
    assert summary.register_checked + summary.register_with_reason == summary.register_passages
    assert summary.register_checked >= 40
    for row in rows:
        if row.register_subject:
            assert row.shapes or (row.reason and row.reason != NOT_REVIEWED), row


def test_an_unrestated_duty_shows_as_not_reviewed(kg: KnowledgeGraph) -> None:
    extra = KnowledgeGraph.bundled()
    g = Graph()
    statement = URIRef("https://example.org/test#new-duty")
    g.add((statement, RDF.type, ITOPS.Responsibility))
    g.add((statement, ITOPS.heldBy, ID["ccgs"]))
    g.add((statement, ITOPS.fromDocument, ID["af-2013"]))
    g.add((statement, ITOPS.quotes, Literal("A duty nobody restated.")))
    extra.add_graph(g, name="extra", graph_iri="urn:test:extra")
    rows = coverage(extra)
    assert [r.reason for r in rows if r.statement == str(statement)] == [NOT_REVIEWED]
    assert summarise(rows).not_reviewed == 1


# ------------------------------------------------------------------------------------ per type


def test_every_type_answers(kg: KnowledgeGraph) -> None:
    for t in organisation_types(kg.union()):
        rows = obligations_for_type(kg, t.label)
        assert all(r.passage and r.modality and r.severity for r in rows), t.label


def test_a_pharmacy_is_a_primary_care_contractor(kg: KnowledgeGraph) -> None:
    rows = obligations_for_type(kg, "community pharmacy")
    found = passages(rows)
    # CP 2012 §06, Primary Care Contractors
    for text in (
        "Completion of IGT and compliance with NHS IG requirements.",
        "Ensure adherence to registration authority security policy for use of smartcard.",
        "Comply in use of practice of N3 services adhering to N3 Code of Connection and any local requirements.",
        "Primary care contractors authorise the issue, revocation and configuration of smartcards for any access by individuals working in their service.",
    ):
        assert text in found, text
    # CP 2012 §03: local IT is the contractor's own
    assert any(
        p.startswith("Primary care contractors will remain responsible for their local IT provision") for p in found
    )
    # AF 2013 duties of DMS IT providers do not bind a pharmacy
    assert "Own and maintain MOD network services and oversee connection of N3 Services." not in found
    assert all(r.document == "cp-2012" or "3rd sector" in r.party for r in rows), [
        r.party for r in rows if r.document != "cp-2012"
    ]


def test_dms_practice_obligations(kg: KnowledgeGraph) -> None:
    rows = obligations_for_type(kg, "DMS practice")
    found = passages(rows)
    assert (
        "The DMS requiring access to national IT services will commission provision through the NHS CB regional/area team."
        in found
    )
    assert any(p.startswith("DMS will remain responsible for implementation of national IT services") for p in found)
    assert "Completion of IGT and compliance with NHS IG requirements." not in {
        r.passage for r in rows if r.document == "cp-2012"
    }
    assert all(r.document == "af-2013" for r in rows)


def test_ccg_and_its_successor_icb_have_the_same_obligations(kg: KnowledgeGraph) -> None:
    ccg = obligations_for_type(kg, "CCG")
    icb = obligations_for_type(kg, "ICB")
    assert {r.obligation for r in ccg} == {r.obligation for r in icb}
    referral = [r for r in ccg if r.passage.startswith("If an issue/complaint arises and a resolution is not obtained")]
    assert (
        referral
        and referral[0].severity == "Warning"
        and referral[0].condition == "If an issue/complaint arises and a resolution is not obtained"
    )
    assert referral[0].issues_go_to == "NHS CB area teams"


def test_local_it_supplier_and_system_supplier(kg: KnowledgeGraph) -> None:
    local = obligations_for_type(kg, "local IT supplier")
    smartcard = [
        r for r in local if r.passage == "Suppliers will support the smartcard model and the NRD in their systems."
    ]
    assert {r.document for r in smartcard} == {"af-2013", "cp-2012"}
    # each binds it as the IT supplier of some kind of organisation, but for one duty toward it: CP 2012 §03,
    # "national systems and services will be developed and delivered by the Health and Social Care
    # Information Centre (HSCIC) for local implementation by these primary care contractors IT supplier"
    toward = [r for r in local if "IT supplier of" not in r.applies_because]
    assert [(r.party, r.applies_because.split(" toward")[0]) for r in toward] == [("HSCIC", "a duty")]
    system = obligations_for_type(kg, "system supplier")
    assert any("ISB 0129" in r.passage and r.checked_by == ("SupplierCompliesWithIsb0129",) for r in system)


def test_area_team_is_linked_to_the_combined_units(kg: KnowledgeGraph) -> None:
    rows = obligations_for_type(kg, "NHS CB area team")
    parties = {r.party for r in rows}
    # CP 2012 §03: "The NHS CB through its regional/area teams may choose to deliver these functions itself ..."
    assert "NHS CB regional and area teams" in parties and "NHS CB area teams" in parties


def test_gp_practices_are_bound_by_nothing_here(kg: KnowledgeGraph) -> None:
    """CP 2012 §02: "GP IT services will be managed by clinical commissioning group on behalf of the NHS CB."
    (separate GP IT Services Operating Arrangements): the CCGs' duty toward GP practices is all that applies."""
    rows = obligations_for_type(kg, "GP practice")
    assert [(r.party, r.passage.split(".")[0]) for r in rows] == [
        ("CCGs", "GP IT services will be managed by clinical commissioning group on behalf of the NHS CB")
    ]
    assert rows[0].applies_because == "a duty toward GP practices"


def test_duties_before_april_2013_do_not_apply(kg: KnowledgeGraph) -> None:
    """CP 2012 §02: "Primary care trusts (PCTs) provide support services ..." describes the arrangements before 1 April 2013."""
    assert not [
        r
        for r in obligations_for_type(kg, "community pharmacy")
        if r.passage.startswith("Primary care trusts (PCTs) provide")
    ]


def test_unknown_type_is_a_parameter_error(kg: KnowledgeGraph) -> None:
    with pytest.raises(ParameterError, match="unknown organisation type"):
        obligations_for_type(kg, "spaceport")


def test_on_date_gives_the_names_in_force(kg: KnowledgeGraph) -> None:
    rows = obligations_for_type(kg, "community pharmacy", on=date(2024, 1, 1))
    assert any("NHS England" in r.assured_by or "NHS England" in r.party for r in rows)
    with pytest.raises(ParameterError):
        obligations_for_type(kg, "community pharmacy", on=date(2012, 1, 1))


# ------------------------------------------------------------------------------------ per organisation


def test_every_organisation_of_the_example_register(example_kg: KnowledgeGraph, example_report: Report) -> None:
    codes = sorted(str(c) for c in example_kg.graph.objects(None, ITOPS.odsCode))
    assert len(codes) == 20
    broken: Counter[str] = Counter()
    every = obligations_for_register(example_kg, report=example_report)
    assert sorted(every) == codes
    for code in codes:
        for item in every[code]:
            assert item.status in STATUSES
            if not item.obligation.checked_by:
                assert item.status == "not recorded"
            if item.status == "broken":
                broken[code] += 1
    # examples/register-breaks.csv: every organisation listed there has a broken obligation, the others none
    with open(ROOT / "examples" / "register-breaks.csv", newline="") as handle:
        listed = {r["ods_code"] for r in csv.DictReader(handle)}
    assert set(broken) == listed


def test_statuses_of_riverside_pharmacy(example_kg: KnowledgeGraph, example_report: Report) -> None:
    items = {i.obligation.passage: i for i in obligations_for_organisation(example_kg, "FAA02", report=example_report)}
    # CP 2012 §06: "Ensure adherence of safe use of systems with ISB 0160" — EPS and N3, no holder named
    assert items["Ensure adherence of safe use of systems with ISB 0160 (DSCN 18/2009)."].status == "broken"
    assert (
        items[
            "Comply in use of practice of N3 services adhering to N3 Code of Connection and any local requirements."
        ].status
        == "broken"
    )
    # CP 2012 §06: "Completion of IGT and compliance with NHS IG requirements." — standards met
    assert items["Completion of IGT and compliance with NHS IG requirements."].status == "met"
    # CP 2012 §06: "Will use stationery in accordance with terms and conditions of service." — no register shows it
    assert items["Will use stationery in accordance with terms and conditions of service."].status == "not recorded"


SUPPLIER_IGT = (
    "Completion of supplier IGT and maintenance of systems which allow these primary care contractors to comply "
    "with NHS IG requirements."
)


def test_a_contractors_own_igt_neither_breaks_nor_meets_its_suppliers(
    example_kg: KnowledgeGraph, example_report: Report
) -> None:
    """CP 2012 §06 binds the contractors' local IT supplier: "Completion of supplier IGT ...". The IGT
    rule checks that on the supplier's row; on a contractor's row it reads the contractor's own
    return ("Completion of IGT and compliance with NHS IG requirements.")."""
    market = {i.obligation.passage: i for i in obligations_for_organisation(example_kg, "FAA03", report=example_report)}
    assert market["Completion of IGT and compliance with NHS IG requirements."].status == "broken"  # standards not met
    assert market[SUPPLIER_IGT].status == "not recorded"
    assert "check that party on its own row" in market[SUPPLIER_IGT].detail
    riverside = {
        i.obligation.passage: i for i in obligations_for_organisation(example_kg, "FAA02", report=example_report)
    }
    assert riverside[SUPPLIER_IGT].status == "not recorded"  # its own IGT is met: still nothing about its supplier's


def _loaded(tmp_path: Path, rows: Sequence[tuple[str, ...]]) -> KnowledgeGraph:
    """The documents and a register of ``rows`` (the first is the header)."""
    register = tmp_path / "register.csv"
    register.write_text("".join(",".join(row) + "\n" for row in rows), encoding="utf-8")
    kg = KnowledgeGraph.bundled()
    kg.add_input(str(register))
    return kg


def test_a_suppliers_own_igt_is_its_obligation(tmp_path: Path) -> None:
    rows = [
        ("ods_code", "name", "type", "it_supplier", "igt_status"),
        ("FAA70", "Client Pharmacy", "community pharmacy", "YLL01", "standards met"),
        ("FAA71", "Other Client Pharmacy", "community pharmacy", "YLL02", "standards met"),
        ("YLL01", "Lapsed IT Ltd", "local IT supplier", "", "not submitted"),
        ("YLL02", "Careful IT Ltd", "local IT supplier", "", "standards met"),
        ("YLL03", "Idle IT Ltd", "local IT supplier", "", "not submitted"),
    ]
    kg = _loaded(tmp_path, rows)
    found = obligations_for_register(kg, codes=["YLL01", "YLL02", "YLL03", "FAA70"])
    status = {code: [i.status for i in items if i.obligation.passage == SUPPLIER_IGT] for code, items in found.items()}
    # YLL03 supplies no one the register names: bound "when it is the IT supplier of" contractors, and its
    # IGT is not submitted
    assert status == {"YLL01": ["broken"], "YLL02": ["met"], "YLL03": ["broken"], "FAA70": ["not recorded"]}


def _checked(
    tmp_path: Path, rows: Sequence[tuple[str, ...]]
) -> tuple[set[tuple[str, str]], dict[str, list[OrganisationObligation]]]:
    """The (ODS code, rule) pairs ``validate`` reports on a register of ``rows``, and its obligations."""
    kg = _loaded(tmp_path, rows)
    report = validate(kg)
    return {(f.ods_code, f.rule.rsplit("#", 1)[1]) for f in report.findings}, obligations_for_register(
        kg, report=report
    )


def test_an_organisation_named_as_an_it_supplier_is_bound_as_one_whatever_its_type(tmp_path: Path) -> None:
    """AF 2013 §03: "Any IT service provider appointed by the commissioned health service providers will
    have to deliver to ... compliance with the Information Governance Toolkit (IGT)"; §05, secondary care
    IT providers: "Comply in use of practice of N3 services adhering to N3 Code of Connection". A trust's
    IT supplier typed only "IT service provider" is bound as a local IT supplier is; validate and
    obligations say so alike. One no row names is not appointed by anyone the register shows."""
    rows = [
        ("ods_code", "name", "type", "national_systems", "it_supplier", "complies_with", "igt_status"),
        ("RTX01", "Example Trust", "secondary care provider", "N3", "YIT01", "N3 Code of Connection", "standards met"),
        ("YIT01", "Trust IT Services Ltd", "IT service provider", "N3", "", "ISB 0129", "standards not met"),
        ("YIT02", "Unnamed IT Services Ltd", "IT service provider", "N3", "", "", "standards not met"),
    ]
    fired, found = _checked(tmp_path, rows)
    assert {r for c, r in fired if c == "YIT01"} == {
        "SupplierIgtCompleted",
        "SupplierSupportsSmartcardModel",
        "N3ConnectionCompliesWithCodeOfConnection",
    }
    assert not [r for c, r in fired if c == "YIT02"]
    broken = {i.obligation.checked_by for i in found["YIT01"] if i.status == "broken"}
    assert {rule for rules in broken for rule in rules} >= {r for c, r in fired if c == "YIT01"}
    assert not [i for i in found["YIT02"] if i.status == "broken"]


def test_providers_recorded_as_not_adhering_to_the_ra_policy(tmp_path: Path) -> None:
    """AF 2013 §05 Registration Authority, secondary care, community service and third sector IT
    providers: "Deliver the registration authority service including issuing and management of
    smartcards and monitor user adherence to security policy for use of smartcard." A trust recorded
    as not adhering breaks it; one recorded as adhering meets it; a private provider is not in the row."""
    rows = [
        ("ods_code", "name", "type", "smartcard_users", "registration_authority", "ra_policy", "igt_status"),
        ("RLX01", "Lax Trust", "secondary care provider", "yes", "RLX01", "no", "standards met"),
        ("RCF01", "Careful Trust", "secondary care provider", "yes", "RCF01", "yes", "standards met"),
        ("NPX01", "Lax Clinic", "private provider", "yes", "NPX01", "no", "standards met"),
    ]
    fired, found = _checked(tmp_path, rows)
    assert fired == {("RLX01", "ProviderAdheresToRaPolicy")}
    ra = "Deliver the registration authority service including issuing and management of smartcards and monitor"
    status = {code: [i.status for i in items if i.obligation.passage.startswith(ra)] for code, items in found.items()}
    assert status == {"RLX01": ["broken"], "RCF01": ["met"], "NPX01": []}


def test_a_supplier_whose_clients_the_register_does_not_name(tmp_path: Path) -> None:
    """A local IT supplier is "chosen locally by a provider, a primary care contractor or DMS": both
    documents bind it ("Completion of supplier IGT"; "Suppliers will support the smartcard model"),
    whichever it supplies. With no client named, its duties apply on that condition: a rule that
    fires on its row is a broken duty, one that passes is not shown as met."""
    rows = [
        ("ods_code", "name", "type", "igt_status", "complies_with"),
        ("YLL05", "Idle IT Ltd", "local IT supplier", "not submitted", ""),
        ("YLL06", "Tidy IT Ltd", "local IT supplier", "standards met", "smartcard model"),
    ]
    kg = _loaded(tmp_path, rows)
    found = obligations_for_register(kg)
    idle = [i for i in found["YLL05"] if i.obligation.passage == SUPPLIER_IGT]
    assert [i.status for i in idle] == ["broken"]
    assert "when it is the IT supplier of primary care contractors" in idle[0].obligation.applies_because
    tidy = found["YLL06"]
    assert tidy and not [i for i in tidy if i.status in ("met", "broken")]
    [igt] = [i for i in tidy if i.obligation.passage == SUPPLIER_IGT]
    assert igt.status == "not recorded" and "names no client" in igt.detail


def test_a_register_without_the_new_columns_shows_not_recorded(tmp_path: Path) -> None:
    """CP 2012 §06: "Ensure adherence to registration authority security policy for use of smartcard."
    A register with no ra_policy column cannot show it: not recorded, never a violation."""
    register = tmp_path / "old.csv"
    register.write_text(
        "ods_code,name,type,igt_status\nFAA77,Old Pharmacy,community pharmacy,standards met\n", encoding="utf-8"
    )
    kg = KnowledgeGraph.bundled()
    kg.add_input(str(register))
    items = obligations_for_organisation(kg, "FAA77")
    policy = [
        i
        for i in items
        if i.obligation.passage == "Ensure adherence to registration authority security policy for use of smartcard."
    ]
    assert [i.status for i in policy] == ["not recorded"]
    assert "adheresToRaPolicy" in policy[0].detail
    assert not [i for i in items if i.status == "broken"]


def test_a_suppliers_duties_follow_the_clients_the_register_names(tmp_path: Path) -> None:
    """A local IT supplier is held to what the passages ask of the suppliers of its clients: the IT
    provider of a private provider to its IGT (AF 2013 §03 "Any IT service provider appointed by the
    commissioned health service providers"), not to the smartcard model (no passage names private
    providers' IT); the supplier of GP practices alone to neither. validate and obligations agree."""
    rows = [
        ("ods_code", "name", "type", "it_supplier", "igt_status", "complies_with"),
        ("PP701", "Private Clinic", "private provider", "YLP01", "standards met", ""),
        ("GP701", "Example Surgery", "GP practice", "YLG01", "", ""),
        ("YLP01", "Private Clinic IT Ltd", "local IT supplier", "", "not submitted", "ISB 0129"),
        ("YLG01", "Surgery Systems Ltd", "local IT supplier", "", "", "ISB 0129"),
    ]
    kg = _loaded(tmp_path, rows)
    report = validate(kg)
    assert {(f.ods_code, f.rule.rsplit("#", 1)[1]) for f in report.findings} == {("YLP01", "SupplierIgtCompleted")}
    found = obligations_for_register(kg, codes=["YLP01", "YLG01"], report=report)
    broken = {i.obligation.obligation.rsplit("/", 1)[1] for i in found["YLP01"] if i.status == "broken"}
    assert broken == {"ob-af-appointed-it-providers"}
    assert not any("smartcard" in i.obligation.action for i in found["YLP01"])
    assert found["YLG01"] == []


def test_a_duty_whose_condition_the_register_shows_false_does_not_arise(tmp_path: Path) -> None:
    """CP 2012 §06: "Comply in use of practice of N3 services adhering to N3 Code of Connection". On N3 with
    the Code of Connection it is met; on EPS alone the register shows the duty does not arise (never
    "met"); with no systems recorded it is not recorded. "Registration Authority for all primary care
    contractors where required" does not arise where no staff use smartcards."""
    rows = [
        ("ods_code", "name", "type", "national_systems", "complies_with", "igt_status", "smartcard_users"),
        ("FAA81", "On N3 Pharmacy", "community pharmacy", "EPS; N3", "N3 Code of Connection", "standards met", ""),
        ("FAA82", "EPS Only Pharmacy", "community pharmacy", "EPS", "", "standards met", "no"),
        ("FAA83", "Unrecorded Pharmacy", "community pharmacy", "", "", "standards met", ""),
    ]
    kg = _loaded(tmp_path, rows)
    found = obligations_for_register(kg, codes=["FAA81", "FAA82", "FAA83"])
    n3 = "ob-cp-contractor-n3"
    status = {code: {i.obligation.obligation.rsplit("/", 1)[1]: i for i in items} for code, items in found.items()}
    assert status["FAA81"][n3].status == "met"
    assert status["FAA82"][n3].status == "does not arise"
    assert "connects to N3" in status["FAA82"][n3].detail
    assert status["FAA83"][n3].status == "not recorded"
    assert status["FAA82"]["ob-cp-nhs-cb-direct-ra"].status == "does not arise"
    assert "use smartcards" in status["FAA82"]["ob-cp-nhs-cb-direct-ra"].detail
    assert status["FAA83"]["ob-cp-nhs-cb-direct-ra"].status == "not recorded"


def test_every_condition_a_rule_passes_on_is_named() -> None:
    """A rule that passes where a condition of its duty does not hold names that condition, so the
    obligation can say "does not arise" rather than "met". Written from the shapes' own conditions:
    the national systems, N3, smartcard and NHS CB appointment conditions of the documents."""
    conditions = {
        str(rule).rsplit("#", 1)[1]: {c.label for c in found}
        for rule, found in arising_conditions(load_shapes()).items()
    }
    assert conditions["N3ConnectionCompliesWithCodeOfConnection"] == {"connects to N3"}
    assert conditions["ProviderConnectedToNationalSystemsHasIsb0160Holder"] == {"connects to a national system"}
    assert conditions["SmartcardUsersHaveRegistrationAuthority"] == {"has staff who use smartcards"}
    assert conditions["ContractorSmartcardUsersHaveRegistrationAuthority"] == {"has staff who use smartcards"}
    assert conditions["NhsCbAppointeeIgtCompleted"] == {"is commissioned by the NHS CB or one of its teams"}
    assert conditions["ContractorNationalAccessByNhsCb"] == {"connects to a national system"}


def test_a_supplier_may_name_itself_or_another_supplier_as_its_supplier(tmp_path: Path) -> None:
    """A supplier that subcontracts (names another supplier, which names it back) or names itself: its
    categories come from its other clients, and the walk through clients ends (it recursed without end:
    RecursionError)."""
    rows = [
        ("ods_code", "name", "type", "it_supplier", "igt_status"),
        ("FAA91", "Client Pharmacy", "community pharmacy", "YLS01", "standards met"),
        ("YLS01", "Prime IT Ltd", "local IT supplier", "YLS02", "not submitted"),
        ("YLS02", "Sub IT Ltd", "local IT supplier", "YLS01", "standards met"),
        ("YLS03", "Self IT Ltd", "local IT supplier", "YLS03", "standards met"),
    ]
    found = obligations_for_register(_loaded(tmp_path, rows), codes=["YLS01", "YLS02", "YLS03"])
    prime = {i.obligation.passage: i.status for i in found["YLS01"]}
    assert prime[SUPPLIER_IGT] == "broken"  # the IT supplier of a pharmacy: CP 2012 §06
    assert found["YLS02"] == []  # its only client is a supplier: no passage binds a supplier's supplier
    # naming itself names no client: bound on condition, as a supplier no row names, never met
    assert found["YLS03"] and all(i.status == "not recorded" for i in found["YLS03"])
    binding = [i for i in found["YLS03"] if not i.obligation.applies_because.startswith("a duty toward")]
    assert binding and all("when it is the IT supplier of" in i.obligation.applies_because for i in binding)


def _synthetic(tmp_path: Path, organisations: int, seed: int, rate: float) -> tuple[KnowledgeGraph, Report, set[str]]:
    """A synthetic register loaded with the documents, its validation, and the ODS codes given a break."""
    from itops.loader import with_2013_names

    rows, breaks = generate(organisations, seed=seed, violation_rate=rate)
    kg = _register_of(tmp_path, rows)
    return kg, validate_graph(with_2013_names(kg.union())), {b.ods_code for b in breaks}


def _register_of(tmp_path: Path, rows: list[dict[str, str]]) -> KnowledgeGraph:
    """The documents and a CSV register of ``rows`` (register columns by name)."""
    path = tmp_path / "register.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    kg = KnowledgeGraph.bundled()
    kg.add_input(str(path))
    return kg


def test_a_synthetic_register(tmp_path: Path) -> None:
    kg, report, injected = _synthetic(tmp_path, 40, seed=3, rate=0.5)
    broken_orgs = set()
    for code, items in obligations_for_register(kg, report=report).items():
        if any(item.status == "broken" for item in items):
            broken_orgs.add(code)
    assert broken_orgs == injected


def _assert_agree(kg: KnowledgeGraph, report: Report) -> int:
    """Every finding of ``report`` is a broken obligation of its organisation, under a rule that checks it,
    and every broken obligation has its finding; returns how many (organisation, rule) findings there are."""
    found = obligations_for_register(kg, report=report)
    fired = {(f.ods_code, f.rule.rsplit("#", 1)[1]) for f in report.findings if f.ods_code}
    unlisted = sorted(
        (code, rule)
        for code, rule in fired
        if not any(i.status == "broken" and rule in i.obligation.checked_by for i in found[code])
    )
    assert unlisted == []
    unfounded = sorted(
        (code, item.obligation.obligation)
        for code, items in found.items()
        for item in items
        if item.status == "broken" and not any((code, rule) in fired for rule in item.obligation.checked_by)
    )
    assert unfounded == []
    return len(fired)


@pytest.mark.slow
def test_every_finding_is_a_broken_obligation_and_back(tmp_path: Path) -> None:
    """What validate finds on an organisation and what obligations says of it agree: every finding is
    listed as a broken obligation of that organisation, under a rule that checks it, and every broken
    obligation has its finding. A synthetic register with every kind of organisation and many breaks."""
    kg, report, _ = _synthetic(tmp_path, 600, seed=5, rate=0.6)
    assert _assert_agree(kg, report) > 100


@pytest.mark.slow
@pytest.mark.parametrize("seed", [10, 17, 26])
def test_validate_and_obligations_agree_on_any_register(tmp_path: Path, seed: int) -> None:
    """The same agreement on random registers: every organisation type the data accepts, every column
    filled at random (empty, other bodies, suppliers naming suppliers). Such registers found a rule
    stricter than its obligation (N3 on contractors' suppliers) and a supplier loop without end."""
    rng = random.Random(seed)
    kinds = sorted(t.label for t in organisation_types(KnowledgeGraph.bundled(documents=False).union()))
    rows = [
        {"ods_code": f"Z{i:04d}", "name": f"Random organisation {i}", "type": rng.choice(kinds)} for i in range(150)
    ]

    def some(kind: str) -> str:
        codes = [r["ods_code"] for r in rows if r["type"] == kind]
        return rng.choice(codes) if codes else ""

    def subset(values: tuple[str, ...]) -> str:
        return "; ".join(v for v in values if rng.random() < 0.35)

    for row in rows:
        bodies = (some("NHS CB area team"), some("clinical commissioning group"), "NHS CB", "DMS", row["ods_code"])
        row.update(
            national_systems=subset(("Spine", "EPS", "SCR", "N3", "NHSmail", "SUS", "HSCN")),
            it_supplier=rng.choice(("", some("local IT supplier"))),
            assurance_holders=rng.choice(("", "ISB 0160=A. Person", "DCB0160=B. Person")),
            complies_with=subset(("ISB 0129", "ISB 0160", "N3 Code of Connection", "smartcard model", "DCB0129")),
            igt_status=rng.choice(("", "standards met", "standards not met", "not submitted")),
            smartcard_users=rng.choice(("", "yes", "no")),
            registration_authority=rng.choice(
                ("", some("commissioning support unit"), some("local IT supplier"), *bodies)
            ),
            commissioned_by=rng.choice(("", *bodies[:3])),
            access_commissioned_by=rng.choice(("", *bodies[:3], "NHS CB area teams")),
            escalation_contact=rng.choice(("", *bodies[:3])),
            it_commissioned_by=rng.choice(("", *bodies)),
            ra_policy=rng.choice(("", "yes", "no")),
            agreed_equivalents=rng.choice(("", "ISB 0160=Defence clinical safety standard")),
            nhsmail_policy=rng.choice(("", "yes", "no")),
        )
    kg = _register_of(tmp_path, rows)
    assert _assert_agree(kg, validate(kg)) > 50


def test_unknown_organisation(example_kg: KnowledgeGraph, example_report: Report) -> None:
    with pytest.raises(ParameterError, match="no organisation with ODS code"):
        obligations_for_organisation(example_kg, "ZZZ99", report=example_report)


@pytest.mark.parametrize("fmt", ["text", "csv", "json", "html"])
def test_renderers(example_kg: KnowledgeGraph, example_report: Report, fmt: str) -> None:
    items = obligations_for_organisation(example_kg, "FAA02", report=example_report)
    out = render_kind("obligations", fmt, items).decode("utf-8")
    assert "Riverside Pharmacy" in out or fmt == "text" and "FAA02" in out
    assert "broken" in out
    with pytest.raises(ParameterError):
        render_kind("obligations", "pdf", items)


# ------------------------------------------------------------------------------------ reasoning


def test_category_membership_by_inference(base_graph: Graph) -> None:
    """A register written in RDF may say only which of the documents' categories an organisation is in.
    With OWL RL inference it is then a community pharmacy, hence a primary care contractor, and CP 2012 §06
    ("Completion of IGT and compliance with NHS IG requirements.") applies; without inference nothing is checked."""
    data = Graph()
    for triple in base_graph:
        data.add(triple)
    data.parse(ROOT / "data" / "obligations-categories.ttl", format="turtle")
    org = ODS["FAA88"]
    data.add((org, ITOPS.inCategory, ID["community-pharmacies"]))
    data.add((org, ITOPS.igtStatus, ID["igt-standards-not-met"]))
    ontology = Graph()
    ontology.parse(ROOT / "ontology" / "itops.ttl", format="turtle")
    plain = validate_graph(data)
    inferred = validate_graph(data, ontology=ontology, inference="owlrl")
    assert [f for f in plain.findings if f.focus == str(org)] == []
    assert {(f.focus, f.shape.rsplit("#", 1)[-1]) for f in inferred.findings if f.focus == str(org)} == {
        (str(org), "IgtCompleted-status")
    }


def test_membership_carries_up_comprises_by_the_property_chain(base_graph: Graph) -> None:
    import owlrl

    data = Graph()
    for triple in base_graph:
        data.add(triple)
    data.parse(ROOT / "data" / "obligations-categories.ttl", format="turtle")
    pharmacy, team = ODS["FAA89"], ODS["Q88"]
    data.add((pharmacy, RDF.type, ITOPS.CommunityPharmacy))
    data.add((team, RDF.type, ITOPS.AreaTeam))
    assert (pharmacy, ITOPS.inCategory, ID["primary-care-contractors"]) not in data
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(data)
    assert (pharmacy, ITOPS.inCategory, ID["community-pharmacies"]) in data
    assert (pharmacy, ITOPS.inCategory, ID["primary-care-contractors"]) in data
    assert (team, ITOPS.teamOf, ID["nhs-cb-regional-and-area-teams"]) in data
    assert (team, ITOPS.teamOf, ID["nhs-cb-national-and-area-teams"]) in data


def test_passages_quoted_in_this_file_are_verbatim() -> None:
    text = re.sub(r"\s+", " ", (SOURCES / "primary-care-contractors-2012.txt").read_text(encoding="utf-8"))
    for quoted in (
        "Will use stationery in accordance with terms and conditions of service.",
        "Ensure adherence to registration authority security policy for use of smartcard.",
        "GP IT services will be managed by clinical commissioning group on behalf of the NHS CB.",
    ):
        assert quoted in text


# ------------------------------------------------------------------------------------ the probe register

PROBES = Path(__file__).parent / "fixtures" / "probes"
PROBE_NS = "https://example.org/probe/"
DOC_FILES = {"af-2013": "armed-forces-2013.txt", "cp-2012": "primary-care-contractors-2012.txt"}


def _normalise(text: str) -> str:
    text = re.sub(r"<[^>]+>", "", text).replace("*", "")
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(\d) (st|nd|rd|th)\b", r"\1\2", text)


def _probe_header(path: Path) -> tuple[list[tuple[str, str]], set[tuple[str, str, str]] | None]:
    quoted: list[tuple[str, str]] = []
    expected: set[tuple[str, str, str]] = set()
    none = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if line.startswith("# passage:"):
            doc, _, text = line[len("# passage:") :].strip().partition(" | ")
            quoted.append((doc, text))
        elif line.startswith("# expect:"):
            value = line[len("# expect:") :].strip()
            if value == "none":
                none = True
            else:
                focus, shape, severity = value.split()
                expected.add((focus, shape, severity))
    return quoted, (set() if none else expected) if (none or expected) else None


@pytest.mark.parametrize("probe", sorted(p.name for p in PROBES.glob("*.ttl")))
def test_probe(probe: str, base_graph: Graph) -> None:
    """Each probe quotes the passages that decide it; the rules give exactly the findings its reading expects,
    with the severity the wording gives, on pySHACL and on the fast engine alike."""
    path = PROBES / probe
    quoted, expected = _probe_header(path)
    assert quoted, f"{probe} quotes no passage"
    assert expected is not None, f"{probe} has no '# expect:' line"
    for doc, text in quoted:
        source = _normalise((SOURCES / DOC_FILES[doc]).read_text(encoding="utf-8"))
        for cell in text.split(" | "):
            assert _normalise(cell) in source, f"{probe}: not verbatim in {doc}: {cell!r}"
    data = Graph()
    for triple in base_graph:
        data.add(triple)
    data.parse(path, format="turtle")
    report = validate_graph(data)
    found = {(f.focus, f.shape.rsplit("#", 1)[-1], f.severity) for f in report.findings if f.focus.startswith(PROBE_NS)}
    assert found == expected
    from itops.loader import store_from_graph
    from itops.validate import validate_store

    fast = validate_store(store_from_graph(data))
    assert {
        (f.focus, f.shape.rsplit("#", 1)[-1], f.severity) for f in fast.findings if f.focus.startswith(PROBE_NS)
    } == expected


def test_the_named_query_gives_the_librarys_obligations(kg: KnowledgeGraph) -> None:
    """queries/obligations-for-type.rq (without status) lists what obligations_for_type lists, for every 2013 type."""
    today = {ITOPS.IntegratedCareBoard}  # today's kinds are mapped to their 2013 ones by the library only
    for t in organisation_types(kg.union()):
        if t.iri in today:
            continue
        rows = kg.query("obligations-for-type", {"type": str(t.iri)}).as_dicts()
        assert {r["obligation"] for r in rows} == {r.obligation for r in obligations_for_type(kg, t.label)}, t.label


def test_a_combined_unit_is_found_by_its_members(kg: KnowledgeGraph) -> None:
    """AF 2013 §04 prints "NHS CB through its national and area teams", CP 2012 §05 "through its regional and area
    teams": asking for the area teams finds those rows."""
    rows = kg.query("accountability", {"body": "NHS CB area teams"}).as_dicts()
    assert {r["via"] for r in rows} == {"NHS CB national and area teams", "NHS CB regional and area teams"}
    regional = kg.query("commissioning", {"commissioner": "NHS CB regional teams"}).as_dicts()
    assert regional and {r["via"] for r in regional} == {"NHS CB regional and area teams"}
