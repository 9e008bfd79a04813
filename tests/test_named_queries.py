"""Every named query answers a question from the documents; the expected answers come from their text."""

from __future__ import annotations

import pytest

from itops.graph import KnowledgeGraph
from itops.query import query_names


def rows(kg: KnowledgeGraph, name: str, **params: str) -> list[dict[str, str]]:
    return kg.query(name, params).as_dicts()


def test_there_are_at_least_25_named_queries() -> None:
    assert len(query_names()) >= 25


def test_who_commissions_prs(kg: KnowledgeGraph) -> None:
    # AF §03: "the NHS CB is responsible for directly commissioning a FHS service (known as the
    # Patient Registration Service or PRS)"; §04 row 3 and §06 commission the NHAIS agency for it.
    found = rows(kg, "who-commissions", service="PRS")
    assert {r["commissioner"] for r in found} == {"NHS CB"}
    assert {r["provider"] for r in found} == {"", "NHAIS Agency (PRS provider)"}
    assert {r["kind"] for r in found} == {"prose", "table row"}


def test_who_commissions_nhais_server_for_af_patients(kg: KnowledgeGraph) -> None:
    found = rows(kg, "who-commissions", service="dedicated NHAIS server")
    assert [(r["commissioner"], r["provider"], r["section"]) for r in found] == [("NHS CB", "HSCIC", "06 Finance")]


def test_who_commissions_care_for_veterans(kg: KnowledgeGraph) -> None:
    # AF §02: PCTs until 31 March 2013, CCGs from April 2013; §03 NHS CB (Primary Care) for FHS.
    found = rows(kg, "commissioning-for-cohort", cohort="veterans")
    by = {(r["commissioner"], r["valid_until"]) for r in found}
    assert ("PCTs", "2013-03-31") in by
    assert ("CCGs", "") in by
    assert any(r["commissioner"] == "NHS CB" and r["via"] == "NHS CB (Primary Care)" for r in found)


def test_who_commissions_care_for_serving_personnel(kg: KnowledgeGraph) -> None:
    found = rows(kg, "commissioning-for-cohort", cohort="serving Armed Forces personnel")
    after = {r["commissioner"] for r in found if r["valid_until"] == ""}
    assert {"NHS CB", "DMS; MoD"} <= after
    assert "NHS" in {r["commissioner"] for r in found if r["valid_until"] == "2013-03-31"}


def test_accountable_for_isb_0160(kg: KnowledgeGraph) -> None:
    found = rows(kg, "accountable-for", standard="ISB 0160")
    assert {(r["document"], r["delivery"]) for r in found} == {
        ("af-2013", "DMS; HSCIC"),
        ("af-2013", "DMS IT providers"),
        ("cp-2012", "primary care contractors"),
        ("cp-2012", "primary care contractor local IT system supplier"),
    }


def test_accountable_for_nhsmail(kg: KnowledgeGraph) -> None:
    found = rows(kg, "accountable-for", service="NHSmail")
    assert [(r["body"], r["via"], r["delivery"]) for r in found] == [
        ("NHS CB", "NHS CB regional and area teams", "CSUs or any other provider")
    ]


def test_function_matrix_of_registration_authority(kg: KnowledgeGraph) -> None:
    found = {
        (r["document"], r["party"]): r["statements"]
        for r in rows(kg, "function-matrix", function="Registration Authority")
    }
    assert len(found) == 10  # five columns in each document
    assert (
        found[("cp-2012", "HSCIC")]
        == "(1) Will set standards for suppliers.; (2) Maintain and publish the National RBAC Database (NRD)."
    )
    assert found[("cp-2012", "primary care contractor local IT system supplier")] == (
        "(1) Suppliers will support the smartcard model and the NRD in their systems."
    )


def test_organisation_profile_of_community_pharmacies_includes_contractor_duties(kg: KnowledgeGraph) -> None:
    found = rows(kg, "organisation-profile", party="community pharmacies")
    roles = {(r["role"], r["as"]) for r in found}
    assert ("is accountable for delivery", "primary care contractors") in roles
    assert ("is supported or served", "community pharmacies") in roles  # EPS payments through NHS BSA
    assert all(r["document"] == "cp-2012" for r in found)


def test_organisation_profile_of_hscic_spans_both_documents(kg: KnowledgeGraph) -> None:
    found = rows(kg, "organisation-profile", party="HSCIC")
    assert {r["document"] for r in found} == {"af-2013", "cp-2012"}
    assert {"commissions", "is accountable for delivery", "is accountable for management"} <= {r["role"] for r in found}


def test_standards_for_system_suppliers(kg: KnowledgeGraph) -> None:
    found = rows(kg, "standards-for-party", party="system suppliers")
    assert {r["standard"] for r in found} == {"ISB 0129"}
    assert {r["assured_by"] for r in found} == {"HSCIC"}


def test_igt_is_performance_managed_by_nhs_cb(kg: KnowledgeGraph) -> None:
    found = rows(kg, "standards-for-party", standard="IGT")
    managed = {r["performance_managed_by"] for r in found if r["performance_managed_by"]}
    assert managed == {"NHS CB"}
    assert {r["document"] for r in found} == {"af-2013", "cp-2012"}


def test_escalation_of_isb_0160_by_ccgs(kg: KnowledgeGraph) -> None:
    found = rows(kg, "escalation-routes", **{"from": "CCG", "standard": "ISB 0160"})
    assert {r["escalates_to"] for r in found} == {"NHS CB", "NHS CB area teams"}


def test_nhsmail_non_compliance_goes_to_area_teams(kg: KnowledgeGraph) -> None:
    found = rows(kg, "escalation-routes", document="cp-2012", **{"from": "community pharmacies"})
    assert ("NHS CB area teams", "Core Administrative Services") in {(r["escalates_to"], r["function"]) for r in found}


def test_approval_routes(kg: KnowledgeGraph) -> None:
    found = rows(kg, "approval-routes")
    assert {(r["document"], r["sought_by"], r["sought_from"]) for r in found} == {
        ("af-2013", "HSCIC", "NHS CB"),
        ("cp-2012", "primary care contractors", "NHS CB area teams"),
    }
    assert len(found) == 3


def test_funding_eps_payments_through_nhs_bsa(kg: KnowledgeGraph) -> None:
    found = rows(kg, "funding", document="cp-2012")
    assert len(found) == 5
    bsa = [r for r in found if r["paid_through"] == "NHS Business Services Authority"]
    assert [r["concerns"] for r in bsa] == ["EPS release 1; EPS release 2"]


def test_national_systems_for_dms_connectivity(kg: KnowledgeGraph) -> None:
    # AF §06: connectivity of DMS systems to Spine, Choose and Book, SCR, EPS, SUS and HES.
    found = rows(kg, "national-systems", document="af-2013", party="DMS")
    systems = {r["system"] for r in found}
    assert {
        "Spine",
        "Choose and Book",
        "Summary Care Record",
        "Electronic Prescription Service",
        "Secondary Uses Service",
        "Hospital Episodes Statistics",
    } <= systems


def test_commissioning_statements_in_prose(kg: KnowledgeGraph) -> None:
    found = rows(kg, "commissioning-statements", document="af-2013")
    provides = {
        (r["party"], r["services"], r["cohorts"]) for r in found if r["kind"] == "provides" and not r["valid_until"]
    }
    assert ("MoD", "GP services", "families registered with a DMS practice") in provides
    assert (
        "MoD",
        "GP services; dental services; specialist community services",
        "serving Armed Forces personnel",
    ) in provides


def test_compare_documents_for_clinical_safety(kg: KnowledgeGraph) -> None:
    found = {r["party"]: r for r in rows(kg, "compare-documents", function="Clinical Safety and Assurance")}
    assert found["HSCIC"]["af_2013"].startswith("(1) Will ensure adherence to ISB 0160")
    assert found["HSCIC"]["cp_2012"].startswith("(1) Will be responsible for ensuring clinical system supplier")
    assert found["CCGs"]["cp_2012"] == ""  # the primary care contractors document has no CCG column
    assert found["CSUs or any other provider"]["cp_2012"] == "(1) No direct responsibility."


def test_commissioning_counts_through_area_teams(kg: KnowledgeGraph) -> None:
    found = {(r["document"], r["commissioner"], r["via"]): int(r["rows"]) for r in rows(kg, "commissioning-counts")}
    assert found[("cp-2012", "NHS CB", "NHS CB regional and area teams")] == 5
    assert found[("af-2013", "NHS CB", "NHS CB regional and area teams")] == 2
    assert found[("af-2013", "NHS CB", "NHS CB P&I Directorate")] == 2
    assert sum(v for (d, _, _), v in found.items() if d == "af-2013") == 12 + 2  # rows 9-10 have two commissioners


def test_statement_counts(kg: KnowledgeGraph) -> None:
    found = {(r["document"], r["kind"]): int(r["statements"]) for r in rows(kg, "statement-counts")}
    assert found[("af-2013", "commissioning arrangement")] == 12
    assert found[("cp-2012", "accountability arrangement")] == 17
    assert found[("af-2013", "matrix responsibility")] == 56
    assert found[("cp-2012", "glossary entry")] == 11


def test_parts_of_the_nhs_cb(kg: KnowledgeGraph) -> None:
    found = {r["party"]: r for r in rows(kg, "parties", kind="part")}
    assert found["NHS CB P&I Directorate"]["part_of"] == "NHS CB"
    assert "NHS CB ATs" in found["NHS CB area teams"]["acronyms"]


def test_national_systems_listed(kg: KnowledgeGraph) -> None:
    found = {r["service"]: r for r in rows(kg, "services", kind="itops:NationalSystem")}
    for name in (
        "Electronic Prescription Service",
        "EPS release 1",
        "EPS release 2",
        "Summary Care Record",
        "Spine",
        "Choose and Book",
        "Secondary Uses Service",
        "Hospital Episodes Statistics",
        "NHSmail",
        "N3",
        "Interoperability Toolkit",
        "National RBAC Database",
        "National Health Agency Information Service",
    ):
        assert name in found, name
    assert found["EPS release 2"]["part_of"] == "Electronic Prescription Service"


def test_standards_with_dscn_numbers(kg: KnowledgeGraph) -> None:
    found = {r["standard"]: r for r in rows(kg, "standards")}
    assert (found["ISB 0160"]["dscn"], found["ISB 0129"]["dscn"]) == ("DSCN 18/2009", "DSCN 14/2009")
    assert (
        found["ISB 0160"]["title"]
        == "Management of Clinical Risk relating to the deployment and use of health software"
    )


def test_search_dispensing_tokens(kg: KnowledgeGraph) -> None:
    found = rows(kg, "search", text="DISPENSING TOKENS")
    assert len(found) == 3 and {r["document"] for r in found} == {"cp-2012"}


def test_reading_notes_cover_the_garbled_cells(kg: KnowledgeGraph) -> None:
    subjects = {r["subject"] for r in rows(kg, "reading-notes")}
    assert {"af-2013-acc-02", "af-2013-gl-14", "cp-2012-acc-14"} <= subjects


def test_no_direct_responsibility(kg: KnowledgeGraph) -> None:
    found = {(r["document"], r["function"], r["party"]) for r in rows(kg, "no-direct-responsibility")}
    assert len(found) == 9
    assert ("af-2013", "Networking Services", "CCGs") in found
    assert ("cp-2012", "Information Governance", "HSCIC") in found


@pytest.mark.parametrize("name", ["scope", "references", "glossary"])
def test_document_filter_keeps_to_one_document(kg: KnowledgeGraph, name: str) -> None:
    found = rows(kg, name, document="cp-2012")
    assert found and {r["document"] for r in found} == {"cp-2012"}
