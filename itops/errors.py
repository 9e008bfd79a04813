"""Errors that itops reports to its users: each names the file and line, or the parameter."""

from __future__ import annotations

from collections.abc import Sequence


class ItopsError(Exception):
    """Base class of the errors itops reports to a user (the CLI exits 2 on these)."""


class InputError(ItopsError):
    """A file could not be read or parsed; the message names the file and, where known, the line."""

    def __init__(self, path: str, message: str, *, line: int | None = None, column: int | None = None) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.reason = message
        where = path if line is None else f"{path}:{line}" + ("" if column is None else f":{column}")
        super().__init__(f"{where}: {message}")


class UnknownQueryError(ItopsError):
    """No named query has this name; the message lists the known ones."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        self.name = name
        self.known = list(known)
        super().__init__(f"unknown query {name!r}; known queries: {', '.join(self.known)}")


class ParameterError(ItopsError):
    """A query parameter is missing, unknown, malformed or ambiguous; the message names it."""

    def __init__(self, parameter: str, message: str, *, candidates: Sequence[str] = ()) -> None:
        self.parameter = parameter
        self.candidates = list(candidates)
        text = f"parameter {parameter!r}: {message}"
        if self.candidates:
            text += "; candidates: " + ", ".join(self.candidates)
        super().__init__(text)


class EndpointError(ItopsError):
    """A SPARQL endpoint could not be reached, timed out, or answered with an error."""


class OutputError(ItopsError):
    """An output file could not be written; nothing was left half-written."""


class QueryError(ItopsError):
    """A SPARQL query given as text is malformed, of an unsupported form, or not allowed (SERVICE)."""


class UnsupportedShapeError(ItopsError):
    """A shape uses a SHACL feature the fast engine does not compile; the message names the shape and component."""

    def __init__(self, shape: str, component: str, reason: str) -> None:
        self.shape = shape
        self.component = component
        self.reason = reason
        super().__init__(
            f"shape {shape}: {component} is not compiled by the fast engine ({reason}); use --engine pyshacl"
        )
