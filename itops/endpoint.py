"""Remote SPARQL 1.1 endpoints: run the named queries on a triple store, and push the data to one safely.

The named queries answer the same rows embedded (rdflib, in memory) and on a SPARQL 1.1 server:

* parameters are resolved exactly as embedded, against the bundled graph (``KnowledgeGraph.names()``);
  only execution is remote;
* the SPARQL 1.1 Protocol has no parameter binding, so the resolved terms are written, serialised by
  rdflib (``term.n3()``), into a ``VALUES`` block at the start of the outermost ``WHERE`` group —
  user text is never pasted into query text;
* the itops data sit in one named graph of the store (:data:`DEFAULT_GRAPH` unless ``--graph``),
  sent as the protocol's ``default-graph-uri`` so that it is the query's default graph on every
  conforming server, whatever the server's own default-graph semantics;
* the answer (SPARQL 1.1 JSON results) is read into rdflib terms and normalised by
  :meth:`itops.query.QueryResult.from_rows` exactly as embedded results are.

:func:`push` replaces that named graph without ever leaving it half-loaded: everything is uploaded
into a fresh temporary graph (Graph Store Protocol ``PUT`` and ``POST``, or SPARQL Update
``INSERT DATA`` in chunks, blank nodes skolemised, when there is no Graph Store endpoint), its
triple count is checked, and one ``MOVE GRAPH <tmp> TO GRAPH <target>`` swaps it in; on any failure
the temporary graph is dropped and the target graph is left as it was. The SPARQL Update URL is
found by :func:`find_update_service` (the service description, then ``.../update``, then the query
URL itself); each wait grows with the size of its request; a MOVE that gets no answer is checked
by reading the counts before anything is reported.

Credentials come only from the environment: ``ITOPS_ENDPOINT_USER`` and ``ITOPS_ENDPOINT_PASSWORD``
(HTTP basic) or ``ITOPS_ENDPOINT_TOKEN`` (bearer).
"""

from __future__ import annotations

import ast
import base64
import http.client
import json
import math
import os
import re
import time
import urllib.error
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypedDict, cast
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, XSD
from rdflib.term import Identifier, Node
from SPARQLWrapper import JSON, POST, SELECT, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
    URITooLong,
)
from urllib3.exceptions import HTTPError as Urllib3Error

from itops.errors import EndpointError, ParameterError
from itops.graph import KnowledgeGraph
from itops.namespace import ONTOLOGY_IRI
from itops.query import NamedQuery, QueryResult, resolve_parameters, with_values

#: The named graph that holds the itops data in a store, unless ``--graph`` names another.
DEFAULT_GRAPH = "https://w3id.org/itops/graph"
#: Seconds to wait for a server (to connect, and for each read of its answer).
DEFAULT_TIMEOUT = 30.0
#: Environment variables holding the credentials (never given on the command line).
ENV_USER = "ITOPS_ENDPOINT_USER"
ENV_PASSWORD = "ITOPS_ENDPOINT_PASSWORD"
ENV_TOKEN = "ITOPS_ENDPOINT_TOKEN"
#: Temporary graphs of a push are named ``<TEMPORARY_GRAPH_PREFIX><uuid>``.
TEMPORARY_GRAPH_PREFIX = "urn:itops:push:"
#: Largest SPARQL Update request (bytes) when uploading with ``INSERT DATA``.
INSERT_CHUNK_BYTES = 1_000_000

_CREDENTIALS_HINT = f"set {ENV_USER}/{ENV_PASSWORD} or {ENV_TOKEN}"
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*")


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class EndpointUnreachable(EndpointError):
    """The server could not be reached (connection refused, host down, connection dropped)."""


class EndpointTimeout(EndpointError):
    """The server did not answer within the timeout."""


class EndpointGraphError(EndpointError):
    """The named graph to validate holds no triples, or not the itops ontology (a mistyped ``--graph``?)."""


class EndpointHTTPError(EndpointError):
    """The server answered with an HTTP error status (kept in :attr:`status`)."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


def _first_line(body: bytes | str) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    for line in text.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= 200 else line[:200] + "..."
    return ""


_NOT_FOUND_HINTS = {
    "query": "is this the query URL of a SPARQL endpoint?",
    "update": "is this the SPARQL Update URL? see --update",
    "store": "is this a Graph Store Protocol URL? see --store",
}


def _status_error(
    url: str, status: int, reason: str, body: bytes | str, *, service: str = "query"
) -> EndpointHTTPError:
    """The error for an HTTP error status: credentials for 401/403, else the status and the body's first line."""
    if status in (401, 403):
        return EndpointHTTPError(f"{url} refused the credentials (HTTP {status}); {_CREDENTIALS_HINT}", status=status)
    line = _first_line(body)
    text = f"{url} answered HTTP {status}" + (f" {reason}" if reason else "") + (f": {line}" if line else "")
    if status in (404, 405):
        text += f" ({_NOT_FOUND_HINTS.get(service, 'is the URL right?')})"
    return EndpointHTTPError(text, status=status)


def _reason(err: BaseException) -> str:
    """The innermost operating-system reason of a network error ("Connection refused"), else its text."""
    seen: set[int] = set()
    todo: list[BaseException] = [err]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            return current.strerror
        inner = getattr(current, "reason", None)
        if isinstance(inner, BaseException):
            todo.append(inner)
        todo.extend(a for a in current.args if isinstance(a, BaseException))
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                todo.append(linked)
    return str(err) or type(err).__name__


def _seconds(timeout: float) -> str:
    return f"{timeout:g} s"


def _is_timeout(err: BaseException) -> bool:
    if isinstance(err, TimeoutError):
        return True
    inner = getattr(err, "reason", None)
    return isinstance(inner, TimeoutError)


# --------------------------------------------------------------------------------------------
# Credentials
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """HTTP credentials for an endpoint: basic (user and password) or a bearer token, or none."""

    user: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        """Read ``ITOPS_ENDPOINT_USER``/``ITOPS_ENDPOINT_PASSWORD`` or ``ITOPS_ENDPOINT_TOKEN``.

        Raises:
            EndpointError: the variables are set inconsistently (a user without a password, or
                both a user and a token).
        """
        env = os.environ if environ is None else environ
        user, password, token = env.get(ENV_USER) or None, env.get(ENV_PASSWORD) or None, env.get(ENV_TOKEN) or None
        if token and (user or password):
            raise EndpointError(f"set either {ENV_USER}/{ENV_PASSWORD} or {ENV_TOKEN}, not both")
        if bool(user) != bool(password):
            raise EndpointError(f"{ENV_USER} and {ENV_PASSWORD} must be set together")
        for name, value in ((ENV_USER, user), (ENV_PASSWORD, password), (ENV_TOKEN, token)):
            if value is not None and any(ch in value for ch in "\r\n\0"):
                raise EndpointError(f"{name} holds a line break; it cannot be sent in an HTTP header")
        if user is not None and ":" in user:
            raise EndpointError(f"{ENV_USER} must not contain ':' (HTTP basic authentication)")
        return cls(user=user, password=password, token=token)

    @property
    def given(self) -> bool:
        """True when there are credentials to send."""
        return bool(self.token or self.user)

    def headers(self) -> dict[str, str]:
        """The ``Authorization`` header to send, if any."""
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        if self.user and self.password is not None:
            pair = f"{self.user}:{self.password}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
        return {}


# --------------------------------------------------------------------------------------------
# Reading SPARQL JSON results
# --------------------------------------------------------------------------------------------


#: One RDF term of the SPARQL 1.1 Query Results JSON Format (json.loads returns it untyped).
_JsonTerm = TypedDict("_JsonTerm", {"type": str, "value": str, "datatype": str, "xml:lang": str}, total=False)


def _json_term(cell: _JsonTerm) -> Node:
    kind = cell.get("type")
    value = cell.get("value")
    if not isinstance(value, str):
        raise ValueError(f"term value {value!r} is not text")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        lang = cell.get("xml:lang")
        datatype = cell.get("datatype")
        if lang:
            return Literal(value, lang=str(lang))
        if datatype and datatype != str(XSD.string):
            return Literal(value, datatype=URIRef(str(datatype)))
        return Literal(value)
    raise ValueError(f"unsupported term type {kind!r}")


def parse_json_results(raw: bytes) -> tuple[list[str], list[tuple[Node | None, ...]]]:
    """Read a SPARQL 1.1 Query Results JSON document into its variables and rows of rdflib terms.

    Raises:
        ValueError: the text is not JSON, or not SELECT results in that format.
    """
    document = json.loads(raw.decode("utf-8"))
    if not isinstance(document, dict) or "results" not in document:
        raise ValueError("no 'results' member")
    columns = document["head"]["vars"]
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise ValueError("'head.vars' is not a list of names")
    rows: list[tuple[Node | None, ...]] = []
    for binding in document["results"]["bindings"]:
        if not isinstance(binding, dict):
            raise ValueError("a binding is not an object")
        if not all(isinstance(cell, dict) for cell in binding.values()):
            raise ValueError("a term is not an object")
        rows.append(tuple(_json_term(cast("_JsonTerm", binding[c])) if c in binding else None for c in columns))
    return columns, rows


# --------------------------------------------------------------------------------------------
# Endpoints
# --------------------------------------------------------------------------------------------


def check_url(url: str, option: str) -> str:
    """Return ``url`` if it is an http(s) URL with a host.

    Raises:
        ParameterError: it is not.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ParameterError(option, f"{url!r} is not an http:// or https:// URL")
    return url


def check_graph_iri(iri: str, option: str = "--graph") -> str:
    """Return ``iri`` if it is an absolute IRI that can be written as ``<iri>`` in SPARQL.

    Raises:
        ParameterError: it is not.
    """
    if not _IRI.fullmatch(iri):
        raise ParameterError(option, f"{iri!r} is not an absolute IRI")
    return iri


def _sibling(url: str, name: str) -> str | None:
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    for suffix in ("/query", "/sparql"):
        if path.endswith(suffix):
            return urlunsplit(parts._replace(path=path[: -len(suffix)] + "/" + name))
    return None


def default_store_url(query_url: str) -> str | None:
    """The Graph Store Protocol URL beside a query URL (``.../store``), or None if it cannot be guessed."""
    return _sibling(query_url, "store")


@dataclass(frozen=True)
class Endpoint:
    """A SPARQL 1.1 query endpoint and the named graph in it that holds the itops data."""

    url: str
    graph: str = DEFAULT_GRAPH
    timeout: float = DEFAULT_TIMEOUT
    credentials: Credentials = field(default_factory=Credentials.from_env, repr=False)

    def __post_init__(self) -> None:
        check_url(self.url, "--endpoint")
        check_graph_iri(self.graph)
        if not (self.timeout > 0 and math.isfinite(self.timeout)):
            raise ParameterError("--timeout", f"expected a positive number of seconds, got {self.timeout!r}")

    def select(self, text: str, *, list_columns: Iterable[str] = (), in_graph: bool = True) -> QueryResult:
        """Run a SELECT query (text sent as it is).

        With ``in_graph`` the query's default graph is :attr:`graph` (sent as ``default-graph-uri``).

        Raises:
            EndpointError: the server cannot be reached, times out, refuses the credentials,
                answers with an HTTP error, or answers with something other than SPARQL JSON results.
        """
        raw = self._post_query(text, in_graph=in_graph)
        try:
            columns, rows = parse_json_results(raw)
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as err:
            line = _first_line(raw[:2000]) or "(an empty answer)"
            raise EndpointError(
                f"{self.url} did not answer with SPARQL JSON results ({err}); it answered: {line}"
            ) from None
        return QueryResult.from_rows(columns, rows, list_columns=list_columns)

    def count(self, graph: str) -> int:
        """The number of triples in the named graph ``graph`` of the store (0 if there is none)."""
        check_graph_iri(graph)
        result = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", in_graph=False)
        try:
            return int(str(result.rows[0][0]))
        except (IndexError, ValueError):
            raise EndpointError(f"{self.url} gave no triple count for <{graph}>") from None

    def graphs(self) -> list[str]:
        """The IRIs of the store's named graphs, sorted."""
        result = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", in_graph=False)
        return sorted(str(row[0]) for row in result.rows if row and row[0] is not None)

    def require_itops_graph(self) -> int:
        """Check that :attr:`graph` holds the itops data (at least the ontology); return its triple count.

        Run before checking a store, so that a mistyped ``--graph`` (an empty or unrelated graph)
        is an error rather than a report of no findings.

        Raises:
            EndpointGraphError: the graph holds no triples, or does not hold the itops ontology;
                the message names the graph and the store's other named graphs.
            EndpointError: the endpoint failed.
        """
        held = self.count(self.graph)
        ontology = self.select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{self.graph}> "
            f"{{ {ONTOLOGY_IRI.n3()} {RDF.type.n3()} {OWL.Ontology.n3()} }} }}",
            in_graph=False,
        )
        if held and ontology.rows and str(ontology.rows[0][0]) not in ("", "0"):
            return held
        problem = "holds no triples" if held == 0 else f"holds {held} triples but not the itops ontology"
        hint = f"load it with 'itops push --endpoint {self.url}" + (
            "" if self.graph == DEFAULT_GRAPH else f" --graph {self.graph}"
        )
        hint += " [REGISTER ...]'"
        named = [g for g in self.graphs() if not g.startswith(TEMPORARY_GRAPH_PREFIX) and g != self.graph]
        listed = ", ".join(f"<{g}>" for g in named[:5]) + (f" and {len(named) - 5} more" if len(named) > 5 else "")
        others = f"; the store's other named graphs: {listed}" if named else "; the store has no other named graph"
        raise EndpointGraphError(f"graph <{self.graph}> at {self.url} {problem}: is --graph right? {hint}{others}")

    @property
    def _query_timeout(self) -> int:
        """SPARQLWrapper takes whole seconds: the timeout rounded up."""
        return max(1, math.ceil(self.timeout))

    def _post_query(self, text: str, *, in_graph: bool) -> bytes:
        wrapper = SPARQLWrapper(self.url)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setReturnFormat(JSON)
        wrapper.setOnlyConneg(True)
        wrapper.setTimeout(self._query_timeout)
        with warnings.catch_warnings():  # SPARQLWrapper warns when its guess of the query form fails
            warnings.simplefilter("ignore")
            wrapper.setQuery(text)
        # SPARQLWrapper guesses query or update from keywords after removing comments, but its comment
        # removal skips every other line of a comment block ("# description: ... additional ..." made
        # it send a query as an ADD update): this is always a query
        wrapper.queryType = SELECT
        if in_graph:
            wrapper.addDefaultGraph(self.graph)
        for name, value in self.credentials.headers().items():
            wrapper.addCustomHttpHeader(name, value)
        try:
            response = wrapper.query().response
            body: bytes = response.read()
            return body
        except SPARQLWrapperException as err:
            raise _wrapper_error(self.url, err) from None
        except urllib.error.HTTPError as err:
            raise _status_error(self.url, err.code, str(err.reason or ""), _read_quietly(err)) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
            if _is_timeout(err):
                raise EndpointTimeout(f"no answer from {self.url} within {_seconds(self._query_timeout)}") from None
            raise EndpointUnreachable(f"cannot reach {self.url}: {_reason(err)}") from None


_WRAPPER_STATUS: tuple[tuple[type[SPARQLWrapperException], int, str], ...] = (
    (QueryBadFormed, 400, "Bad Request"),
    (Unauthorized, 401, "Unauthorized"),
    (EndPointNotFound, 404, "Not Found"),
    (URITooLong, 414, "URI Too Long"),
    (EndPointInternalError, 500, "Internal Server Error"),
)


def _wrapper_error(url: str, err: SPARQLWrapperException) -> EndpointHTTPError:
    """Turn SPARQLWrapper's exception for an HTTP status into a message with the status and the body's first line."""
    status, reason = 0, ""
    for kind, code, text in _WRAPPER_STATUS:
        if isinstance(err, kind):
            status, reason = code, text
            break
    body: bytes = b""
    # SPARQLWrapper keeps the body only in its message: "...\n\nResponse:\n<repr of the bytes>"
    message = str(err)
    if "Response:\n" in message:
        try:
            value = ast.literal_eval(message.split("Response:\n", 1)[1])
            body = value if isinstance(value, bytes) else str(value).encode()
        except (ValueError, SyntaxError):
            body = b""
    if not status:
        return EndpointHTTPError(f"{url} answered with an error: {_first_line(message)}", status=0)
    return _status_error(url, status, reason, body)


def _read_quietly(err: urllib.error.HTTPError) -> bytes:
    try:
        return err.read()
    except Exception:  # the body of an error answer is only decoration for the message
        return b""


def run_remote(endpoint: Endpoint, query: NamedQuery, bindings: Mapping[str, Identifier]) -> QueryResult:
    """Run ``query`` on ``endpoint`` with ``bindings`` (from :func:`itops.query.resolve_parameters`).

    The bindings are written as a ``VALUES`` block of rdflib-serialised terms opening the outermost
    WHERE group (:func:`itops.query.with_values`, as for the embedded Oxigraph engine); the result is
    normalised like an embedded one (:meth:`QueryResult.from_rows` with the query's list columns).

    Raises:
        ParameterError: a binding cannot be written into SPARQL.
        EndpointError: the endpoint failed (see :meth:`Endpoint.select`).
    """
    for name, term in bindings.items():
        if isinstance(term, URIRef) and not _IRI.fullmatch(str(term)):
            raise ParameterError(name, f"{str(term)!r} is not an IRI that can be sent to an endpoint")
    try:
        text = with_values(query.text, bindings)
    except ValueError as err:
        raise EndpointError(f"query {query.name!r}: cannot bind its parameters: {err}") from None
    return endpoint.select(text, list_columns=query.list_columns)


def query_endpoint(kg: KnowledgeGraph, query: NamedQuery, params: Mapping[str, str], endpoint: Endpoint) -> QueryResult:
    """Resolve ``params`` against the knowledge graph ``kg`` (as embedded queries do), then run remotely.

    Nothing is sent when a parameter is refused.

    Raises:
        ParameterError: a parameter is missing, unknown, malformed or ambiguous.
        EndpointError: the endpoint failed.
    """
    bindings = resolve_parameters(query, params, kg.dataset, kg.names())
    return run_remote(endpoint, query, bindings)


# --------------------------------------------------------------------------------------------
# Push
# --------------------------------------------------------------------------------------------

#: Largest Graph Store Protocol request (bytes of N-Triples): a larger upload is one PUT, then POSTs.
STORE_CHUNK_BYTES = 8_000_000
#: The slowest intake assumed of a server: each request's wait grows by its size divided by this.
UPLOAD_BYTES_PER_SECOND = 500_000
#: The slowest MOVE assumed of a server (triples removed from the target plus triples moved in, per
#: second): the MOVE's wait grows by its work divided by this. Oxigraph 0.5.13 on disk moved about 27,000
#: a second on an idle machine, 8,500 on a loaded one.
MOVE_TRIPLES_PER_SECOND = 5_000
#: Seconds between two readings of the counts after a MOVE that gave no answer.
SETTLE_POLL_SECONDS = 2.0
#: The most SPARQL 1.1 Service Description read (bytes).
SERVICE_DESCRIPTION_BYTES = 2_000_000
#: Skolem IRIs (RDF 1.1 §3.5) replacing blank nodes sent as SPARQL text: ``<origin>/.well-known/genid/...``.
SKOLEM_PATH = "/.well-known/genid/"

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
#: Answers meaning "no such service at this URL", for a URL itops guessed or read (never one given):
#: the next candidate is tried. 400 and 415 also mean "not in this encoding" for SPARQL Update.
_NOT_HERE = frozenset({400, 404, 405, 406, 415, 501})
_WRONG_ENCODING = frozenset({400, 415})
#: Media types of a service description that are read (no JSON-LD: its contexts could be fetched).
_DESCRIPTION_FORMATS = {"text/turtle": "turtle", "application/x-turtle": "turtle", "application/n-triples": "nt"}


@dataclass(frozen=True)
class UpdateService:
    """Where and how SPARQL Update requests go."""

    url: str
    #: True: an ``application/x-www-form-urlencoded`` body ``update=...``; False: ``application/sparql-update``.
    form: bool
    #: How the URL was found, for the summary line ("found in the service description", ...).
    found_by: str


@dataclass(frozen=True)
class PushResult:
    """What a push did, and through which protocols and URLs."""

    endpoint: str
    graph: str
    triples: int
    replaced: int
    method: str
    seconds: float
    upload_url: str = ""
    update_url: str = ""
    update_found_by: str = ""

    def summary(self) -> str:
        """One line for the user: counts, protocols and URLs."""
        return (
            f"pushed {self.triples} triples to graph <{self.graph}> at {self.endpoint}: "
            f"{self.method} to {self.upload_url}, then SPARQL Update MOVE at {self.update_url} "
            f"({self.update_found_by}); replaced {self.replaced} triples; verified {self.triples} in the graph; "
            f"{self.seconds:.1f} s"
        )


class _Http:
    """HTTP for the Graph Store Protocol and SPARQL Update, with the endpoint's timeout and credentials."""

    def __init__(self, timeout: float, credentials: Credentials) -> None:
        self.timeout = timeout
        self.session = requests.Session()
        # credentials only from our environment variables (no ~/.netrc); proxies as urllib would use
        self.session.trust_env = False
        self.session.headers.update(credentials.headers())

    def close(self) -> None:
        self.session.close()

    def wait_for(self, size: int) -> float:
        """Seconds to wait for the answer to a request carrying ``size`` bytes: the timeout, plus the time
        the slowest assumed server takes to read them."""
        return self.timeout + size / UPLOAD_BYTES_PER_SECOND

    def send(
        self,
        method: str,
        url: str,
        *,
        data: bytes,
        content_type: str,
        service: str,
        params: Mapping[str, str] | None = None,
        wait: float | None = None,
    ) -> requests.Response:
        """Send one request; an answer outside 2xx, a timeout or a network failure raises EndpointError."""
        read = self.wait_for(len(data)) if wait is None else wait
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                data=data,
                headers={"Content-Type": content_type},
                timeout=(self.timeout, read),
                proxies=requests.utils.get_environ_proxies(url),
                allow_redirects=False,
            )
        except requests.Timeout:
            raise EndpointTimeout(f"no answer from {url} within {_seconds(math.ceil(read))}") from None
        except requests.RequestException as err:
            raise EndpointUnreachable(f"cannot reach {url}: {_reason(err)}") from None
        if not 200 <= response.status_code < 300:
            raise _status_error(
                url, response.status_code, response.reason or "", response.content[:2000], service=service
            )
        return response

    def update(self, service: UpdateService, text: str, *, wait: float | None = None) -> None:
        """Send one SPARQL Update request to ``service``."""
        if service.form:
            body = urlencode({"update": text}).encode("ascii")
            kind = "application/x-www-form-urlencoded"
        else:
            body, kind = text.encode("utf-8"), "application/sparql-update; charset=UTF-8"
        self.send("POST", service.url, data=body, content_type=kind, service="update", wait=wait)

    def description(self, url: str) -> Graph | None:
        """The SPARQL 1.1 Service Description that ``url`` gives to a plain GET, or None if it gives none."""
        try:
            response = self.session.get(
                url,
                headers={"Accept": "text/turtle, application/n-triples;q=0.9"},
                stream=True,
                timeout=(self.timeout, self.timeout),
                proxies=requests.utils.get_environ_proxies(url),
                allow_redirects=False,
            )
        except requests.RequestException:
            return None
        with response:
            kind = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if not 200 <= response.status_code < 300 or kind not in _DESCRIPTION_FORMATS:
                return None
            try:
                body = response.raw.read(SERVICE_DESCRIPTION_BYTES + 1, decode_content=True)
            except (requests.RequestException, OSError, Urllib3Error):
                return None
        if not isinstance(body, bytes) or len(body) > SERVICE_DESCRIPTION_BYTES:
            return None
        description = Graph()
        try:
            description.parse(data=body, format=_DESCRIPTION_FORMATS[kind], publicID=url)
        except Exception:  # rdflib raises many kinds of error for bad input; a description is optional
            return None
        return description


def _ntriples(graph: Graph) -> tuple[bytes, int]:
    """The graph as N-Triples, and its number of triples.

    Raises:
        EndpointError: a term cannot be written as N-Triples (rdflib refuses, e.g., an IRI with a space).
    """
    try:
        data = graph.serialize(format="nt", encoding="utf-8")
    except Exception as err:  # rdflib raises a bare Exception for an IRI it cannot write
        raise EndpointError(f"cannot write the data as N-Triples: {err}") from None
    return data, len(graph)


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL, without any user name or password."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port is not None else "")


_BNODE_SUBJECT = re.compile(r"^_:([^\s]+)")
_BNODE_OBJECT = re.compile(r"(\s)_:([^\s\"]+)(\s*\.\s*)$")


def skolemise(lines: Iterable[str], base: str) -> list[str]:
    """N-Triples ``lines`` with every blank node replaced by the Skolem IRI ``<base><n>`` (RDF 1.1 §3.5).

    Blank nodes cannot travel in SPARQL text reliably: some servers refuse them in ``INSERT DATA``
    ("blank node is not allowed in a constant clause"), and their labels are scoped to one request,
    so the same node sent in two requests would become two. A Skolem IRI is one node everywhere.
    In N-Triples a blank node can only open a line (subject) or end it (object), so only those
    places are rewritten; a literal that looks like ``_:x`` is left alone.

    >>> skolemise(['_:b <urn:p> "_:b" .', '<urn:s> <urn:p> _:b .'], "http://h/.well-known/genid/x-")
    ['<http://h/.well-known/genid/x-1> <urn:p> "_:b" .', '<urn:s> <urn:p> <http://h/.well-known/genid/x-1> .']
    """
    names: dict[str, str] = {}

    def iri(label: str) -> str:
        if label not in names:
            names[label] = f"<{base}{len(names) + 1}>"
        return names[label]

    out: list[str] = []
    for line in lines:
        if "_:" in line:
            line = _BNODE_SUBJECT.sub(lambda m: iri(m.group(1)), line)
            line = _BNODE_OBJECT.sub(lambda m: m.group(1) + iri(m.group(2)) + m.group(3), line)
        out.append(line)
    return out


def _lines(data: bytes) -> list[str]:
    """The N-Triples lines, sorted (the same requests every time)."""
    return sorted(line for line in data.decode("utf-8").splitlines() if line.strip())


def _chunks(lines: Sequence[str], limit: int, *, together: Sequence[str] = ()) -> list[list[str]]:
    """``lines`` in runs of at most about ``limit`` bytes; the first run starts with all of ``together``."""
    chunks: list[list[str]] = []
    chunk: list[str] = list(together)
    size = sum(len(line) + 1 for line in chunk)
    for line in lines:
        if chunk and size + len(line) + 1 > limit:
            chunks.append(chunk)
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        chunks.append(chunk)
    return chunks


_BNODE_LINE = re.compile(r"^_:|\s_:[^\s\"]+\s*\.\s*$")


def _insert_chunks(lines: Sequence[str], graph: str, chunk_bytes: int) -> Iterator[str]:
    """``INSERT DATA`` requests for the N-Triples ``lines`` (without blank nodes: see :func:`skolemise`),
    each at most about ``chunk_bytes`` long."""
    head, tail = f"INSERT DATA {{ GRAPH <{graph}> {{\n", "} }\n"
    for chunk in _chunks(lines, chunk_bytes):
        yield head + "\n".join(chunk) + "\n" + tail


def find_update_service(
    endpoint: Endpoint,
    *,
    update_url: str | None = None,
    probe_graph: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> UpdateService:
    """Find where the server takes SPARQL Update, and in which encoding.

    With ``update_url`` only that URL is tried. Otherwise, in order: the URLs that the endpoint's
    SPARQL 1.1 Service Description (a GET of the query URL) says take SPARQL Update, on the same
    origin as the endpoint (the first two, sorted); the guess ``.../update`` beside ``.../query`` or ``.../sparql``; the
    query URL itself. Each is tried with ``DROP SILENT GRAPH <probe_graph>`` (a fresh graph name:
    nothing is changed), sent as ``application/sparql-update``, then as a form, until one is
    accepted: at most eight requests.

    Raises:
        EndpointError: no URL accepts SPARQL Update (the message lists what each answered), or the
            server refused the credentials, failed or could not be reached.
    """
    say = progress or (lambda _message: None)
    probe = f"DROP SILENT GRAPH <{check_graph_iri(probe_graph or TEMPORARY_GRAPH_PREFIX + str(uuid.uuid4()))}>"
    http = _Http(endpoint.timeout, endpoint.credentials)
    try:
        candidates: list[tuple[str, str]] = []
        if update_url is not None:
            candidates.append((check_url(update_url, "--update"), "given with --update"))
        else:
            description = http.description(endpoint.url)
            if description is not None:
                for url in _described_update_urls(description, endpoint.url)[:2]:
                    candidates.append((url, "found in the service description"))
            sibling = _sibling(endpoint.url, "update")
            if sibling is not None:
                candidates.append((sibling, "guessed from the query URL"))
            candidates.append((endpoint.url, "the query URL itself"))
        tried: list[str] = []
        seen: set[str] = set()
        for url, found_by in candidates:  # at most four URLs: two described, the guess, the query URL
            if url in seen:
                continue
            seen.add(url)
            for form in (False, True):
                service = UpdateService(url, form, found_by)
                try:
                    http.update(service, probe)
                    return service
                except EndpointHTTPError as err:
                    if err.status in (401, 403) or (update_url is None and err.status not in _NOT_HERE):
                        raise
                    if update_url is not None and (form or err.status not in _WRONG_ENCODING):
                        raise
                    tried.append(f"{url}{' (as a form)' if form else ''} answered HTTP {err.status}")
                    say(f"no SPARQL Update at {url}{' as a form' if form else ''} (HTTP {err.status})")
                    if err.status not in _WRONG_ENCODING:
                        break
        raise EndpointError(f"found no URL that takes SPARQL Update: {'; '.join(tried)}; name it with --update URL")
    finally:
        http.close()


def _described_update_urls(description: Graph, query_url: str) -> list[str]:
    """The ``sd:endpoint`` URLs of services described as supporting SPARQL 1.1 Update, on the query URL's
    origin (a description naming another host is not followed: data and credentials stay where the user
    pointed), sorted."""
    found: set[str] = set()
    for service in description.subjects(SD.supportedLanguage, SD.SPARQL11Update):
        for url in description.objects(service, SD.endpoint):
            text = str(url)
            if (
                isinstance(url, URIRef)
                and urlsplit(text).scheme in ("http", "https")
                and _origin(text) == _origin(query_url)
            ):
                found.add(text)
    return sorted(found)


def push(
    graph: Graph,
    endpoint: Endpoint,
    *,
    update_url: str | None = None,
    store_url: str | None = None,
    store_required: bool = False,
    chunk_bytes: int = INSERT_CHUNK_BYTES,
    store_chunk_bytes: int = STORE_CHUNK_BYTES,
    progress: Callable[[str], None] | None = None,
) -> PushResult:
    """Replace the named graph ``endpoint.graph`` of the store with the triples of ``graph``.

    Steps: find the SPARQL Update URL (:func:`find_update_service`); upload everything into a fresh
    temporary named graph — with the Graph Store Protocol at ``store_url`` (one ``PUT``, then
    ``POST`` requests of at most ``store_chunk_bytes``), or with SPARQL Update ``INSERT DATA``
    requests of at most ``chunk_bytes``, blank nodes skolemised, when there is no ``store_url`` or
    (unless ``store_required``) it answers as if it had no Graph Store; check that the temporary graph
    holds every triple sent; ``MOVE GRAPH <tmp> TO GRAPH <target>`` in one request; check the target's
    count. Each request waits the endpoint's timeout plus a time that grows with its size.

    The target is never half-loaded: until the MOVE it is untouched, and on any failure the temporary
    graph is dropped (``DROP SILENT``). If the MOVE gets no answer, the counts are read again until
    the temporary graph is empty and the target full (success) or twice the MOVE's wait has passed;
    only then is the outcome reported as uncertain. The MOVE has no ``SILENT``: with ``SILENT`` a
    missing source graph would silently empty the target.

    Raises:
        EndpointError: a step failed; the message says whether the target graph is unchanged.
        ParameterError: a URL or graph IRI is malformed.
    """
    started = time.monotonic()
    say = progress or (lambda _message: None)
    target = check_graph_iri(endpoint.graph)
    if update_url is not None:
        check_url(update_url, "--update")
    store = check_url(store_url, "--store") if store_url else None
    try:
        data, sent = _ntriples(graph)
    except EndpointError as err:
        raise EndpointError(f"push failed: {err}; nothing was sent: graph <{target}> is unchanged") from None
    temporary = TEMPORARY_GRAPH_PREFIX + str(uuid.uuid4())
    http = _Http(endpoint.timeout, endpoint.credentials)
    try:
        try:
            before = endpoint.count(target)  # the query endpoint answers, before anything is sent
            service = find_update_service(endpoint, update_url=update_url, probe_graph=temporary, progress=say)
        except EndpointError as err:
            raise EndpointError(f"push failed: {err}; nothing was sent: graph <{target}> is unchanged") from None
        say(f"SPARQL Update at {service.url} ({service.found_by})")
        try:
            method, upload_url = _upload(
                http,
                data,
                temporary,
                service,
                store,
                store_required,
                chunk_bytes,
                store_chunk_bytes,
                _origin(endpoint.url),
                say,
            )
            held = endpoint.count(temporary)
            if held != sent:
                raise EndpointError(f"the temporary graph holds {held} triples but {sent} were sent")
        except EndpointError as err:
            raise EndpointError(_failure(err, target, endpoint.url, _drop(http, service, temporary))) from None
        except BaseException:
            _drop(http, service, temporary)
            raise
        _move(http, endpoint, service, temporary, before, sent, say)
        try:
            after = endpoint.count(target)
        except EndpointError as err:
            raise EndpointError(
                f"push: the server accepted the MOVE into graph <{target}>, but its triple count "
                f"could not be read back: {err}"
            ) from None
        if after != sent:
            raise EndpointError(
                f"graph <{target}> at {endpoint.url} holds {after} triples after the push, but {sent} were sent"
            )
    finally:
        http.close()
    return PushResult(
        endpoint.url,
        target,
        sent,
        before,
        method,
        time.monotonic() - started,
        upload_url=upload_url,
        update_url=service.url,
        update_found_by=service.found_by,
    )


def _upload(
    http: _Http,
    data: bytes,
    temporary: str,
    service: UpdateService,
    store: str | None,
    store_required: bool,
    chunk_bytes: int,
    store_chunk_bytes: int,
    origin: str,
    say: Callable[[str], None],
) -> tuple[str, str]:
    """Upload into the temporary graph; return the method used (for the summary) and the URL it went to."""
    lines = _lines(data)
    if store is not None:
        # blank-node labels are scoped to one request: every triple with a blank node goes in the first
        together = [line for line in lines if _BNODE_LINE.search(line)]
        chunks = _chunks([line for line in lines if not _BNODE_LINE.search(line)], store_chunk_bytes, together=together)
        for number, chunk in enumerate(chunks, start=1):
            body = ("\n".join(chunk) + "\n").encode("utf-8")
            try:
                http.send(
                    "PUT" if number == 1 else "POST",
                    store,
                    params={"graph": temporary},
                    data=body,
                    content_type="application/n-triples",
                    service="store",
                )
            except EndpointHTTPError as err:
                if number > 1 or store_required or err.status not in _NOT_HERE:
                    raise
                say(f"{store} has no Graph Store Protocol (HTTP {err.status}); using SPARQL Update")
                break
            say(f"Graph Store Protocol request {number} of {len(chunks)} sent ({len(body):,} bytes)")
        else:
            posts = len(chunks) - 1
            return "Graph Store Protocol PUT" + (
                f" and {posts} POST{'s' if posts != 1 else ''}" if posts else ""
            ), store
    lines = skolemise(lines, f"{origin}{SKOLEM_PATH}{uuid.uuid4().hex}-")
    texts = list(_insert_chunks(lines, temporary, chunk_bytes))
    for number, text in enumerate(texts, start=1):
        http.update(service, text, wait=http.wait_for(len(text)))
        say(f"INSERT DATA request {number} of {len(texts)} sent")
    return f"SPARQL Update INSERT DATA in {len(texts)} request{'s' if len(texts) != 1 else ''}", service.url


def _move(
    http: _Http,
    endpoint: Endpoint,
    service: UpdateService,
    temporary: str,
    before: int,
    sent: int,
    say: Callable[[str], None],
) -> None:
    """MOVE the temporary graph onto the target; a MOVE without an answer is checked by reading the counts."""
    target = endpoint.graph
    wait = endpoint.timeout + (before + sent) / MOVE_TRIPLES_PER_SECOND
    say(f"moving {sent} triples into <{target}> (waiting up to {math.ceil(wait)} s)")
    try:
        http.update(service, f"MOVE GRAPH <{temporary}> TO GRAPH <{target}>", wait=wait)
        return
    except EndpointHTTPError as err:  # the server refused the MOVE, so it did nothing
        raise EndpointError(_failure(err, target, endpoint.url, _drop(http, service, temporary))) from None
    except EndpointError as err:  # no answer: the server may still be moving, or have finished
        say(f"{err}; reading the counts to see whether the MOVE was done")
        done, state = _settle(endpoint, temporary, sent, 2 * wait)
        if done:
            say("the MOVE was done")
            return
        leftover = _drop(http, service, temporary)
        raise EndpointError(_failure(err, target, endpoint.url, leftover, uncertain=True, state=state)) from None
    except BaseException:
        _drop(http, service, temporary)
        raise


def _settle(endpoint: Endpoint, temporary: str, sent: int, wait: float) -> tuple[bool, str]:
    """Read the counts until the MOVE shows as done (the temporary graph empty and the target holding
    ``sent`` triples), for at most ``wait`` seconds; return whether it did, and the last state seen."""
    target = endpoint.graph
    deadline = time.monotonic() + wait
    state, failures = "its counts could not be read", 0
    for _ in range(10_000):  # bounded by the deadline long before this
        try:
            moved_in, left = endpoint.count(target), endpoint.count(temporary)
            failures = 0
            if left == 0 and moved_in == sent:
                return True, ""
            state = f"it held {moved_in} triples and the temporary graph {left}"
        except EndpointError as err:
            failures += 1
            state = f"its counts could not be read ({err})"
            if failures >= 3:
                break
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        time.sleep(min(SETTLE_POLL_SECONDS, remaining))
    return False, state + f" {math.ceil(wait)} s later"


def _drop(http: _Http, service: UpdateService, temporary: str) -> str:
    """Drop the temporary graph; return '' or a sentence saying it may remain."""
    try:
        http.update(service, f"DROP SILENT GRAPH <{temporary}>")
        return ""
    except EndpointError as err:
        return (
            f" The temporary graph <{temporary}> may remain ({err}); remove it with: DROP SILENT GRAPH <{temporary}>."
        )


def _failure(
    err: EndpointError, target: str, url: str, leftover: str, *, uncertain: bool = False, state: str = ""
) -> str:
    if uncertain:
        return (
            f"push failed: {err}; the server may or may not have replaced graph <{target}> at {url} "
            f"({state}): check its triple count.{leftover}"
        )
    return f"push failed: {err}; graph <{target}> at {url} is unchanged.{leftover}"


__all__: Sequence[str] = [
    "DEFAULT_GRAPH",
    "DEFAULT_TIMEOUT",
    "Credentials",
    "Endpoint",
    "EndpointGraphError",
    "EndpointHTTPError",
    "EndpointTimeout",
    "EndpointUnreachable",
    "PushResult",
    "UpdateService",
    "default_store_url",
    "find_update_service",
    "parse_json_results",
    "push",
    "query_endpoint",
    "run_remote",
    "skolemise",
]
