"""The output layer: one registry of writers for every kind of output itops prints or saves.

Each kind of result (a validation report, query rows, what is loaded, the rules, a name's
succession) has writers by format name; the command line offers exactly the formats registered
here (``formats(kind)``), so the two cannot drift apart. A writer returns bytes, ready for
standard output or :func:`itops.io.write_atomic`.

>>> formats("validation")
('text', 'json', 'csv', 'ttl', 'html')
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import import_module
from typing import Literal, cast

from itops.errors import ParameterError

Kind = Literal["validation", "query", "info", "rules", "resolve", "types", "obligations", "diff"]

#: kind -> format -> "module:function" of this package; each module is imported only when one of its
#: writers runs, so that a command loads only what it prints.
_REGISTRY: dict[str, dict[str, str]] = {
    "validation": {
        "text": "validation:to_text",
        "json": "validation:to_json",
        "csv": "validation:to_csv",
        "ttl": "validation:to_ttl",
        "html": "validation:to_html",
    },
    "query": {"text": "tables:query_text", "csv": "tables:query_csv", "json": "tables:query_json"},
    "info": {"text": "tables:info_text", "json": "tables:info_json"},
    "rules": {"text": "tables:rules_text", "csv": "tables:rules_csv", "json": "tables:rules_json"},
    "resolve": {"text": "tables:resolve_text", "json": "tables:resolve_json"},
    "types": {"text": "tables:types_text", "csv": "tables:types_csv"},
    "obligations": {
        "text": "obligations:to_text",
        "csv": "obligations:to_csv",
        "json": "obligations:to_json",
        "html": "obligations:to_html",
    },
    "diff": {"text": "diff:diff_text", "json": "diff:diff_json"},
}


def formats(kind: Kind) -> tuple[str, ...]:
    """The formats a kind of output can be written in; the first is the default."""
    return tuple(_REGISTRY[kind])


def writer(kind: Kind, fmt: str) -> Callable[..., str | bytes]:
    """The function that writes ``kind`` in ``fmt``.

    Raises:
        ParameterError: no such format for this kind of output.
    """
    target = _REGISTRY[kind].get(fmt)
    if target is None:
        raise ParameterError("--format", f"{kind} output comes as {', '.join(formats(kind))}, not {fmt!r}")
    module, function = target.split(":")
    return cast("Callable[..., str | bytes]", getattr(import_module(f"itops.reports.{module}"), function))


def render(kind: Kind, fmt: str, value: object, **options: object) -> bytes:
    """Write ``value`` (the result of that kind) in ``fmt`` as bytes.

    Raises:
        ParameterError: no such format for this kind of output.
    """
    out = writer(kind, fmt)(value, **options)
    return out if isinstance(out, bytes) else out.encode("utf-8")


def json_text(data: object) -> str:
    """``data`` as the JSON every writer prints: indented, UTF-8 characters kept, a final newline."""
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


__all__ = ["Kind", "formats", "writer", "render", "json_text"]
