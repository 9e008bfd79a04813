"""Outputs that are all or nothing, and that never harm an input.

Every file itops writes goes through this module:

- :func:`write_atomic` writes one file to a temporary file beside it and renames it into place;
- :func:`write_files_atomic` writes several files (a register and its manifest) to temporaries
  first and renames them only once all are complete;
- :func:`write_folder_atomic` builds a whole folder (a release, a documentation site) beside the
  target and swaps it into place, rolling back on failure, and refuses to replace a non-empty
  folder it did not make (those it makes hold a marker file);
- :func:`check_outputs` refuses an output that would overwrite an input or another output.

Files and folders get the user's umask (0644 and 0755 by default), not ``mkstemp``'s 0600. On any
failure, including SIGTERM and SIGINT (see :func:`terminating_signals`), no temporary file is left.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import IO

from itops.errors import OutputError

Writer = Callable[[IO[bytes]], object]


class Terminated(BaseException):
    """Raised in the main thread when the process receives SIGTERM (see :func:`terminating_signals`).

    A ``BaseException``, like ``KeyboardInterrupt``, so that the clean-up of every writer runs.
    """


@contextmanager
def terminating_signals() -> Iterator[None]:
    """Turn SIGTERM into :class:`Terminated` while the block runs, so writers clean up after themselves."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Terminated(signum)

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _folder_of(path: Path) -> Path:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: folder {folder} does not exist")
    return folder


def _os_error(path: Path, err: OSError) -> OutputError:
    return OutputError(f"{path}: {err.strerror or err}; nothing was written")


def _temporary(path: Path) -> Path:
    """A new, empty temporary file beside ``path`` with the permissions the user's umask gives."""
    folder = _folder_of(path)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as err:
        raise _os_error(path, err) from err
    os.close(fd)
    tmp = Path(name)
    os.chmod(tmp, 0o666 & ~_umask())
    return tmp


def _remove(paths: Sequence[Path]) -> None:
    for tmp in paths:
        with suppress(FileNotFoundError):
            tmp.unlink()


def write_files_atomic(outputs: Mapping[Path, Writer]) -> None:
    """Write every file of ``outputs`` (path to writer) completely, then rename them all into place.

    Either every target is replaced by a complete file or, on any error, none is touched and no
    temporary file is left.

    Raises:
        OutputError: a folder does not exist, a path is a folder, or a file cannot be written.
    """
    for path in outputs:
        if path.is_dir():
            raise OutputError(f"{path}: is a folder; name a file to write")
    temporaries: list[Path] = []
    try:
        staged: list[tuple[Path, Path]] = []
        for path, write in outputs.items():
            tmp = _temporary(path)
            temporaries.append(tmp)
            try:
                with open(tmp, "wb") as handle:
                    write(handle)
            except OSError as err:
                raise _os_error(path, err) from err
            staged.append((tmp, path))
        for tmp, path in staged:
            try:
                os.replace(tmp, path)
            except OSError as err:
                raise _os_error(path, err) from err
    finally:
        _remove(temporaries)


def write_atomic(path: Path, write: Writer) -> None:
    """Call ``write`` on a temporary file in ``path``'s folder and rename it to ``path``.

    On any error the temporary file is removed and ``path`` is left as it was.

    Raises:
        OutputError: the folder does not exist or the file cannot be written.
    """
    write_files_atomic({path: write})


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically.

    Raises:
        OutputError: the folder does not exist or the file cannot be written.
    """
    data = text.encode("utf-8")
    write_atomic(path, lambda handle: handle.write(data))


def write_folder_atomic(target: Path, build: Callable[[Path], object], *, marker: str) -> None:
    """Build a folder with ``build(folder)`` and swap it into ``target`` whole.

    ``build`` fills a fresh folder beside ``target``. Only when it returns is the old ``target``
    renamed aside, the new one renamed into place and the old one removed; any failure before that
    removes the new folder and leaves ``target`` as it was (a failure between the two renames puts
    the old folder back). ``marker`` names a file written into every folder made this way: a
    non-empty ``target`` without it was not made by itops and is never replaced.

    Raises:
        OutputError: ``target`` is a file, or a non-empty folder itops did not make, or cannot be written.
    """
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target}: is a file, not a folder; nothing was written")
    if target.is_dir() and any(target.iterdir()) and not (target / marker).is_file():
        raise OutputError(
            f"{target}: folder is not empty and was not written by itops (no {marker} in it); "
            "name a new or empty folder"
        )
    parent = _folder_of(target)
    try:
        fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".new", dir=parent))
    except OSError as err:
        raise _os_error(target, err) from err
    aside: Path | None = None
    try:
        os.chmod(fresh, 0o777 & ~_umask())
        build(fresh)
        (fresh / marker).write_text(
            "written by itops; this folder is replaced whole by the next build\n", encoding="utf-8"
        )
        _fix_permissions(fresh)
        if target.is_dir():
            aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=parent))
            os.rmdir(aside)
            os.replace(target, aside)
        try:
            os.replace(fresh, target)
        except BaseException:
            if aside is not None:
                os.replace(aside, target)
                aside = None
            raise
    except OSError as err:
        raise _os_error(target, err) from err
    finally:
        if fresh.exists():
            shutil.rmtree(fresh, ignore_errors=True)
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)


def _fix_permissions(folder: Path) -> None:
    """Give every file and folder under ``folder`` the permissions of the user's umask."""
    mask = _umask()
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o777 & ~mask)
        for name in files:
            os.chmod(os.path.join(root, name), 0o666 & ~mask)


def same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name the same file or folder (following links), existing or not."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def emit(payload: bytes, output: Path | None, *, inputs: Sequence[str | Path] = (), name: str = "output") -> None:
    """Write a result to ``output`` (atomically, never over one of ``inputs``), or to standard output.

    ``name`` is what the refusal calls the output (the command line's ``-o``).

    Raises:
        OutputError: ``output`` is an input, or cannot be written; nothing was written.
    """
    if output is None:
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
        return
    check_outputs(inputs, [(name, output)])
    write_atomic(output, lambda handle: handle.write(payload))


def check_outputs(inputs: Sequence[str | Path], outputs: Sequence[tuple[str, Path]]) -> None:
    """Refuse an output path that resolves to an input or to another output of the same command.

    ``outputs`` pairs each output path with the option that names it (``-o``, ``--manifest``).

    Raises:
        OutputError: naming the output and what it would overwrite.
    """
    for i, (option, path) in enumerate(outputs):
        for source in inputs:
            if same_file(path, Path(source)):
                raise OutputError(
                    f"{option} {path}: is an input of this command ({source}); "
                    "choose another output file, nothing was written"
                )
            if Path(source).is_dir() and path.resolve().is_relative_to(Path(source).resolve()):
                raise OutputError(f"{option} {path}: lies inside the input folder {source}; nothing was written")
        for other_option, other in outputs[:i]:
            if same_file(path, other):
                raise OutputError(
                    f"{option} {path}: is also the output of {other_option}; "
                    "give each output its own file, nothing was written"
                )
