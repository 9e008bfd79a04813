"""CSV registers: every column becomes the property the rules check, organisation types are
accepted by name and acronym, and bad input stops ``itops validate`` with exit status 2 and a
message naming the file, line and column, and no traceback or output file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from itops.cli import main
from itops.errors import InputError
from itops.graph import KnowledgeGraph
from itops.namespace import ITOPS
from itops.register import ODS, RegisterReader

HEADER = (
    "ods_code,name,type,national_systems,it_supplier,assurance_holders,complies_with,igt_status,"
    "igt_submitted,smartcard_users,registration_authority,commissioned_by,access_commissioned_by,escalation_contact"
)


@pytest.fixture(scope="module")
def reader(kg: KnowledgeGraph) -> RegisterReader:
    return RegisterReader(kg.dataset, kg.names())


def test_each_column_becomes_its_property(reader: RegisterReader) -> None:
    text = (
        "\n".join(
            [
                HEADER,
                "FAA01,High Street Pharmacy,community pharmacy,EPS; N3,YGM01,ISB 0160=A. Patel (clinical safety officer); "
                "ISB 0129=B. Jones,N3 Code of Connection; smartcard model,standards met,2013-03-15,yes,0DE,Q99,NHS CB,",
                "99X,Example CCG,CCG,,,,,,,no,DMS,,,Q99",
            ]
        )
        + "\n"
    )
    expected = Graph().parse(
        format="turtle",
        data="""
        @prefix itops: <https://w3id.org/itops#> . @prefix id: <https://w3id.org/itops/id/> .
        @prefix ods: <https://w3id.org/itops/ods/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ods:FAA01 a itops:CommunityPharmacy , owl:NamedIndividual ;
            rdfs:label "High Street Pharmacy" ; itops:odsCode "FAA01" ;
            itops:connectsTo id:eps , id:n3 ;
            itops:hasITSupplier ods:YGM01 ;
            itops:hasAssurance <https://w3id.org/itops/ods/FAA01/assurance/1> , <https://w3id.org/itops/ods/FAA01/assurance/2> ;
            itops:compliesWith id:n3-code-of-connection , id:smartcard-model ;
            itops:igtStatus id:igt-standards-met ;
            itops:igtSubmittedOn "2013-03-15T00:00:00"^^xsd:dateTime ;
            itops:usesSmartcards true ;
            itops:registrationAuthority ods:0DE ;
            itops:commissionedBy ods:Q99 ;
            itops:accessCommissionedBy id:nhs-cb .
        <https://w3id.org/itops/ods/FAA01/assurance/1> a itops:Assurance ;
            itops:assuranceFor id:isb-0160 ; itops:assuranceHolder "A. Patel (clinical safety officer)" .
        <https://w3id.org/itops/ods/FAA01/assurance/2> a itops:Assurance ;
            itops:assuranceFor id:isb-0129 ; itops:assuranceHolder "B. Jones" .
        ods:99X a itops:ClinicalCommissioningGroup , owl:NamedIndividual ;
            rdfs:label "Example CCG" ; itops:odsCode "99X" ;
            itops:usesSmartcards false ;
            itops:registrationAuthority id:dms ;
            itops:escalationContact ods:Q99 .
        """,
    )
    assert isomorphic(reader.read_text(text, "register.csv"), expected)


def test_column_names_ignore_case_spaces_and_hyphens_and_order(reader: RegisterReader) -> None:
    text = "Type,ODS Code,Name,National-Systems,SMARTCARD USERS\npharmacy,faa01,Corner Pharmacy,Spine,No\n\n"
    graph = reader.read_text(text, "register.csv")
    org = ODS["FAA01"]
    assert (org, RDF.type, ITOPS.CommunityPharmacy) in graph
    assert (org, ITOPS.connectsTo, URIRef("https://w3id.org/itops/id/spine")) in graph
    assert graph.value(org, ITOPS.usesSmartcards).toPython() is False  # type: ignore[union-attr]


def test_byte_order_mark_is_ignored(reader: RegisterReader, tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_bytes("ods_code,name,type\nFAA01,Corner Pharmacy,pharmacy\n".encode("utf-8-sig"))
    assert (ODS["FAA01"], RDF.type, ITOPS.CommunityPharmacy) in reader.read(path)


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("CCG", "ClinicalCommissioningGroup"),
        ("clinical commissioning group", "ClinicalCommissioningGroup"),
        ("CCGs", "ClinicalCommissioningGroup"),
        ("CSU", "CommissioningSupportUnit"),
        ("pharmacy", "CommunityPharmacy"),
        ("Community  Pharmacy", "CommunityPharmacy"),
        ("DAC", "ApplianceContractor"),
        ("dispensing appliance contractor", "ApplianceContractor"),
        ("general dental practice", "DentalPractice"),
        ("optician", "CommunityOptometryPractice"),
        ("DMS medical centre", "DMSPractice"),
        ("NHS CB area team", "AreaTeam"),
        ("local IT supplier", "LocalITSupplier"),
        ("acute trust", "SecondaryCareProvider"),
    ],
)
def test_types_are_accepted_by_name_and_acronym(reader: RegisterReader, name: str, cls: str) -> None:
    graph = reader.read_text(f'ods_code,name,type\nABC01,Example,"{name}"\n', "register.csv")
    assert set(graph.objects(ODS["ABC01"], RDF.type)) == {
        ITOPS[cls],
        URIRef("http://www.w3.org/2002/07/owl#NamedIndividual"),
    }


def test_reader_errors_carry_file_line_and_column(reader: RegisterReader) -> None:
    with pytest.raises(InputError) as caught:
        reader.read_text("ods_code,name,type,smartcard_users\nFAA01,A,pharmacy,yes\nFAA02,B,pharmacy,maybe\n", "r.csv")
    assert (caught.value.path, caught.value.line, caught.value.column) == ("r.csv", 3, 4)
    assert str(caught.value) == "r.csv:3:4: column 'smartcard_users': expected yes or no, got 'maybe'"


BAD_INPUT = {
    # name: (file name, content, where the message points, what it says)
    "unknown type": (
        "r.csv",
        "ods_code,name,type\nFAA01,A,pharmacy\nFAA02,B,spaceship\n",
        "3:3",
        "unknown organisation type 'spaceship'",
    ),
    "missing required column": ("r.csv", "ods_code,name,national_systems\nFAA01,A,EPS\n", "1", "missing column 'type'"),
    "unknown column": ("r.csv", "ods_code,name,type,colour\nFAA01,A,pharmacy,blue\n", "1:4", "unknown column 'colour'"),
    "malformed ODS code": ("r.csv", "ods_code,name,type\nFA-01,A,pharmacy\n", "2:1", "malformed ODS code 'FA-01'"),
    "duplicate ODS code": (
        "r.csv",
        "ods_code,name,type\nFAA01,A,pharmacy\nfaa01,B,pharmacy\n",
        "3:1",
        "FAA01 already used on line 2",
    ),
    "bad date": (
        "r.csv",
        "ods_code,name,type,igt_submitted\nFAA01,A,pharmacy,31/03/2013\n",
        "2:4",
        "bad date '31/03/2013'",
    ),
    "impossible date": (
        "r.csv",
        "ods_code,name,type,igt_submitted\nFAA01,A,pharmacy,2013-02-30\n",
        "2:4",
        "bad date '2013-02-30'",
    ),
    "maybe smartcards": (
        "r.csv",
        "ods_code,name,type,smartcard_users\nFAA01,A,pharmacy,maybe\n",
        "2:4",
        "expected yes or no, got 'maybe'",
    ),
    "unknown national system": (
        "r.csv",
        "ods_code,name,type,national_systems\nFAA01,A,pharmacy,EPS; Facebook\n",
        "2:4",
        "unknown national system 'Facebook'",
    ),
    "unknown standard": (
        "r.csv",
        "ods_code,name,type,complies_with\nFAA01,A,pharmacy,ISO 9001\n",
        "2:4",
        "unknown standard 'ISO 9001'",
    ),
    "assurance without holder": (
        "r.csv",
        "ods_code,name,type,assurance_holders\nFAA01,A,pharmacy,ISB 0160\n",
        "2:4",
        "write each value as STANDARD=HOLDER",
    ),
    "unknown IGT status": (
        "r.csv",
        "ods_code,name,type,igt_status\nFAA01,A,pharmacy,nearly\n",
        "2:4",
        "unknown IGT status 'nearly'",
    ),
    "too many cells": (
        "r.csv",
        "ods_code,name,type\nFAA01,A,pharmacy,extra\n",
        "2",
        "row has 4 cells but the header has 3",
    ),
    "row after a quoted line break": (
        "r.csv",
        'ods_code,name,type\nFAA01,"High Street\nPharmacy",pharmacy\nFAA02,B,spaceship\n',
        "4:3",
        "unknown organisation type 'spaceship'",
    ),
    "broken Turtle register": (
        "r.ttl",
        "@prefix itops: <https://w3id.org/itops#> .\n<https://w3id.org/itops/ods/FAA01>\n"
        '    a itops:CommunityPharmacy ;\n    itops:odsCode "FAA01 .\n',
        "4",
        "syntax error",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_register_exits_2_naming_file_line_and_column(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, content, where, says = BAD_INPUT[case]
    register = tmp_path / name
    register.write_text(content, encoding="utf-8")
    report = tmp_path / "out.html"
    code = main(["validate", str(register), "--format", "html", "-o", str(report)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith((f"itops: {register}:{where}: ", f"itops: {register}:{where}:")), err  # (a column may follow)
    assert says in err
    assert "Traceback" not in err and err.count("\n") == 1
    assert sorted(os.listdir(tmp_path)) == [name]  # no report, no temporary file


# ------------------------------------------------------------------------------- streaming into a store


def test_the_store_sink_loads_every_triple_of_many_batches_as_written() -> None:
    """Batches are loaded on a thread of their own while rows are read; the store ends up complete."""
    import sys

    import pyoxigraph as ox
    from rdflib import Literal
    from rdflib.namespace import XSD

    from itops.loader import StoreSink
    from itops.terms import to_rdflib

    interval = sys.getswitchinterval()
    expected = Graph()
    for i in range(50):
        org = URIRef(f"https://w3id.org/itops/ods/T{i:05d}")
        expected.add((org, ITOPS.odsCode, Literal(f"T{i:05d}")))
        expected.add((org, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal(f'Line "{i}"\n\\ é')))
        expected.add((org, ITOPS.usesSmartcards, Literal(i % 2 == 0)))
        expected.add((org, ITOPS.igtSubmittedOn, Literal("2013-03-31T00:00:00", datatype=XSD.dateTime)))
    store = ox.Store()
    with StoreSink(store, ox.DefaultGraph(), batch=7) as sink:
        for triple in sorted(expected):
            sink.add(triple)
        assert sys.getswitchinterval() <= 0.001
    assert sys.getswitchinterval() == interval
    assert sink.count == len(expected) == len(store)
    loaded = Graph()
    for quad in store:
        s, p, o = (to_rdflib(t) for t in (quad.subject, quad.predicate, quad.object))
        assert s is not None and p is not None and o is not None
        loaded.add((s, p, o))
    assert isomorphic(loaded, expected)


def test_a_batch_that_fails_to_load_fails_the_reading() -> None:
    """An error of Oxigraph's thread reaches the reader; the switch interval is put back."""
    import sys

    import pyoxigraph as ox

    from itops.loader import StoreSink

    class Broken:
        def bulk_load(self, *args: object, **kwargs: object) -> None:
            raise OSError("disk full")

    interval = sys.getswitchinterval()
    org = URIRef("https://w3id.org/itops/ods/T00001")
    with pytest.raises(OSError, match="disk full"), StoreSink(Broken(), ox.DefaultGraph(), batch=1) as sink:  # type: ignore[arg-type]
        for _ in range(5):
            sink.add((org, RDF.type, ITOPS.Party))
    assert sys.getswitchinterval() == interval


def test_a_name_with_a_line_break_is_read_not_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A quoted CSV cell may hold a line break and quotes; the row streams into the store like any other."""
    import json

    register = tmp_path / "register.csv"
    register.write_text(
        'ods_code,name,type\nFAA01,"Riverside\nPharmacy ""Main""",community pharmacy\n', encoding="utf-8"
    )
    assert main(["validate", str(register), "--format", "json"]) == 1  # no IGT return recorded: a violation
    report = json.loads(capsys.readouterr().out)
    assert report["organisations_checked"] == 1
    assert {f["organisation"] for f in report["findings"]} == {'Riverside\nPharmacy "Main"'}
    assert main(["validate", str(register)]) == 1  # the text report keeps one line per finding
    text = capsys.readouterr().out
    assert 'Riverside Pharmacy "Main" (FAA01)' in text and "Riverside\n" not in text
