"""Regenerate the term list of itops/namespace.py from ontology/itops.ttl (run after adding a term)."""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import RDF

ROOT = Path(__file__).resolve().parent.parent
NS = "https://w3id.org/itops#"

graph = Graph().parse(ROOT / "ontology" / "itops.ttl")
terms = sorted({str(s)[len(NS) :] for s in graph.subjects(RDF.type, None) if str(s).startswith(NS)})
target = ROOT / "itops" / "namespace.py"
text = target.read_text(encoding="utf-8")
block = "".join(f"    {t}: URIRef\n" for t in terms)
TERM_LIST = re.compile(r'(    _NS = Namespace\("https://w3id.org/itops#"\)\n\n)(?:    \w+: URIRef\n)+')
text = TERM_LIST.sub(lambda m: m.group(1) + block, text)
target.write_text(text, encoding="utf-8")
print(f"{len(terms)} terms written to {target}")
