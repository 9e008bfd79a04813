"""itops: the NHS 'Securing excellence in IT Services' operating models as a knowledge graph.

>>> import itops
>>> kg = itops.load()
>>> rows = kg.query("commissioning", {"document": "af-2013", "commissioner": "MoD"}).as_dicts()
>>> [r["row"] for r in rows]
['9', '10']
"""

from __future__ import annotations

__version__ = "0.2.0"

from itops.errors import (
    EndpointError,
    InputError,
    ItopsError,
    OutputError,
    ParameterError,
    QueryError,
    UnknownQueryError,
)
from itops.graph import KnowledgeGraph, load
from itops.query import NamedQuery, QueryResult, all_queries, load_query, query_names

__all__ = [
    "__version__",
    "KnowledgeGraph",
    "load",
    "NamedQuery",
    "QueryResult",
    "all_queries",
    "load_query",
    "query_names",
    "ItopsError",
    "InputError",
    "ParameterError",
    "UnknownQueryError",
    "EndpointError",
    "OutputError",
    "QueryError",
]
