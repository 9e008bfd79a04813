"""A SPARQL server that takes SPARQL Update only at its query URL, in front of ``oxigraph serve``: for tests.

Many SPARQL servers differ from Oxigraph in the ways ``itops push`` must cope with: they take SPARQL
Update at the query URL itself and have no ``/update`` or ``/store`` beside it, and some refuse blank
nodes in ``INSERT DATA`` ("blank node is not allowed in a constant clause"). :class:`UpdateAtQueryProxy`
behaves like them, passing what it accepts on to an Oxigraph server:

* ``GET`` or ``POST`` of a query at :attr:`UpdateAtQueryProxy.url` (``.../sparql``) goes to Oxigraph's
  ``/query``, with every protocol parameter (``default-graph-uri`` ...);
* SPARQL Update at the same URL (``application/sparql-update``, or a form with ``update=``) goes to
  Oxigraph's ``/update``, unless it is ``INSERT DATA``/``DELETE DATA`` holding a blank node: refused,
  HTTP 400;
* every other path answers 404 (so ``.../update`` and ``.../store`` do not exist);
* with ``describe=True``, a plain ``GET`` of the query URL answers a SPARQL 1.1 Service Description
  (Turtle) saying that URL takes SPARQL 1.1 Query and Update; without, it answers 400;
* ``move_delay`` holds back the answer to a ``MOVE`` (done by Oxigraph) for that many seconds, like a
  server slower than the client's timeout; ``swallow_moves`` never does a ``MOVE`` and never answers it
  in time; ``update_delay`` does the same for every other update (done at once, answered late); ``updates=False``
  refuses all SPARQL Update (HTTP 405), like a read-only server; ``direct_updates=False`` takes updates
  only as a form (``update=``), answering 415 to ``application/sparql-update``.

Only 127.0.0.1 is used. Every request is recorded in :attr:`UpdateAtQueryProxy.log`.
"""

from __future__ import annotations

import http.server
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from types import TracebackType

#: Oxigraph may take long over a large update; the proxy waits for it (the client has its own timeout).
UPSTREAM_TIMEOUT = 600
BLANK_NODE_REFUSAL = b"blank node is not allowed in a constant clause"

_QUOTED = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'|<[^<>\"{}|^`\\\s]*>"
)
_COMMENT = re.compile(r"#[^\n]*")
_DATA_BLOCK = re.compile(r"\b(?:INSERT|DELETE)\s+DATA\b", re.IGNORECASE)
_BLANK = re.compile(r"(?:^|[\s{(,;.])(?:_:|\[)")


def has_blank_node_in_data(update: str) -> bool:
    """True if a SPARQL Update holding ``INSERT DATA`` or ``DELETE DATA`` writes a blank node (``_:x`` or ``[]``).

    Strings and IRIs are blanked out first, so ``"_:x"`` or ``<urn:_:x>`` do not count.
    """
    bare = _COMMENT.sub(" ", _QUOTED.sub(" ", update))
    return bool(_DATA_BLOCK.search(bare)) and bool(_BLANK.search(bare))


@dataclass(frozen=True)
class Seen:
    """One request the proxy received: method, path (without query string), and what it did with it."""

    method: str
    path: str
    action: str  # "query", "update", "move", "description", "refused blank node", "not found", ...


class UpdateAtQueryProxy:
    """The proxy on 127.0.0.1 (a free port), in front of an Oxigraph server at ``upstream`` (its base URL)."""

    def __init__(
        self,
        upstream: str,
        *,
        path: str = "/sparql",
        describe: bool = False,
        move_delay: float = 0.0,
        swallow_moves: bool = False,
        updates: bool = True,
        update_delay: float = 0.0,
        direct_updates: bool = True,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.path = path
        self.describe = describe
        self.move_delay = move_delay
        self.swallow_moves = swallow_moves
        self.updates = updates
        self.update_delay = update_delay
        self.direct_updates = direct_updates
        self.log: list[Seen] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        proxy = self

        class Handler(_Handler):
            owner = proxy

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.url = self.base + path
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def record(self, method: str, path: str, action: str) -> None:
        with self._lock:
            self.log.append(Seen(method, path, action))

    def actions(self) -> list[str]:
        with self._lock:
            return [seen.action for seen in self.log]

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> UpdateAtQueryProxy:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


_DESCRIPTION = b"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
[] a sd:Service ;
   sd:endpoint <> ;
   sd:supportedLanguage sd:SPARQL11Query , sd:SPARQL11Update ;
   sd:resultFormat <http://www.w3.org/ns/formats/SPARQL_Results_JSON> .
"""


class _Handler(http.server.BaseHTTPRequestHandler):
    owner: UpdateAtQueryProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, kind: str, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (a timeout test)
            pass

    def _forward(self, method: str, path: str, query: str, body: bytes | None, kind: str | None) -> None:
        url = self.owner.upstream + path + (f"?{query}" if query else "")
        headers = {"Accept": self.headers.get("Accept") or "*/*"}
        if kind:
            headers["Content-Type"] = kind
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=UPSTREAM_TIMEOUT) as answer:
                status, answer_kind, answer_body = (
                    answer.status,
                    answer.headers.get("Content-Type") or "",
                    answer.read(),
                )
        except urllib.error.HTTPError as err:
            status, answer_kind, answer_body = err.code, err.headers.get("Content-Type") or "text/plain", err.read()
        except (urllib.error.URLError, OSError) as err:  # Oxigraph killed: the proxy answers 502, as a gateway does
            status, answer_kind, answer_body = 502, "text/plain", f"upstream unreachable: {err}".encode()
        self._send(status, answer_kind or "application/octet-stream", answer_body)

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        path, _, query = self.path.partition("?")
        if path != self.owner.path:
            self.owner.record("GET", path, "not found")
            self._send(404, "text/plain", b"Not Found")
        elif "query" in urllib.parse.parse_qs(query):
            self.owner.record("GET", path, "query")
            self._forward("GET", "/query", query, None, None)
        elif self.owner.describe:
            self.owner.record("GET", path, "description")
            self._send(200, "text/turtle", _DESCRIPTION)
        else:
            self.owner.record("GET", path, "no query")
            self._send(400, "text/plain", b"missing query parameter")

    def do_PUT(self) -> None:  # noqa: N802 - the base class's name
        self._body()
        self.owner.record("PUT", self.path.partition("?")[0], "not found")
        self._send(404, "text/plain", b"Not Found")

    do_DELETE = do_PUT

    def do_POST(self) -> None:  # noqa: N802 - the base class's name
        path, _, query = self.path.partition("?")
        body = self._body()
        if path != self.owner.path:
            self.owner.record("POST", path, "not found")
            self._send(404, "text/plain", b"Not Found")
            return
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind == "application/sparql-query":
            self.owner.record("POST", path, "query")
            self._forward("POST", "/query", query, body, "application/sparql-query")
            return
        if kind == "application/x-www-form-urlencoded":
            form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
            if "query" in form:
                self.owner.record("POST", path, "query")
                self._forward("POST", "/query", query, body, kind)
                return
            if "update" not in form:
                self.owner.record("POST", path, "no query")
                self._send(400, "text/plain", b"missing query or update parameter")
                return
            text = form["update"][0]
        elif kind == "application/sparql-update" and self.owner.direct_updates:
            text = body.decode("utf-8")
        else:
            self.owner.record("POST", path, "unsupported media type")
            self._send(415, "text/plain", b"Unsupported Media Type")
            return
        self._update(path, text, form=kind == "application/x-www-form-urlencoded")

    def _update(self, path: str, text: str, *, form: bool) -> None:
        owner = self.owner
        if not owner.updates:
            owner.record("POST", path, "update refused")
            self._send(405, "text/plain", b"this server is read-only")
            return
        if has_blank_node_in_data(text):
            owner.record("POST", path, "refused blank node")
            self._send(400, "text/plain", BLANK_NODE_REFUSAL)
            return
        is_move = text.lstrip().upper().startswith("MOVE")
        if is_move and owner.swallow_moves:
            owner.record("POST", path, "move swallowed")
            owner._stop.wait(30)  # never done, and not answered before the client gives up
            return
        owner.record("POST", path, ("move" if is_move else "update") + (" as a form" if form else ""))
        delay = owner.move_delay if is_move else owner.update_delay
        if delay:
            self._forward_late(text, delay)
        else:
            self._forward("POST", "/update", "", text.encode("utf-8"), "application/sparql-update")

    def _forward_late(self, text: str, delay: float) -> None:
        """Do the update at once (then record "done upstream"), and answer ``delay`` seconds later."""
        started = time.monotonic()
        request = urllib.request.Request(
            self.owner.upstream + "/update",
            data=text.encode("utf-8"),
            method="POST",
            headers={"Content-Type": "application/sparql-update"},
        )
        try:
            with urllib.request.urlopen(request, timeout=UPSTREAM_TIMEOUT) as answer:
                status, body = answer.status, answer.read()
        except urllib.error.HTTPError as err:
            status, body = err.code, err.read()
        self.owner.record("POST", self.owner.path, "done upstream")
        self.owner._stop.wait(max(0.0, delay - (time.monotonic() - started)))
        self._send(status, "text/plain", body)


__all__ = ["BLANK_NODE_REFUSAL", "Seen", "UpdateAtQueryProxy", "has_blank_node_in_data"]
