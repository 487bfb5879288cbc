"""Reporting files that could not be read, and reading tab-separated tables with clear errors.

The small helpers every loader and installer shares (:mod:`utils.datasets`,
:mod:`utils.download`, :mod:`utils.features`), and the atomic writes and JSON reads of
:mod:`utils.results`, :mod:`utils.runner` and :mod:`utils.publish`: a leaf module, importing
nothing of ``utils``.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from pathlib import Path

__all__ = ["warn_files", "reason", "read_table", "honour_umask", "write_atomic", "read_json"]


def warn_files(what: str, paths: list, *, limit: int = 10) -> None:
    """One warning naming the files of ``paths`` (the first ``limit``) and their count.

    Example
    -------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     warn_files("files could not be read", ["a.wav (empty)"])
    >>> str(w[0].message)
    '1 files could not be read: a.wav (empty)'
    """
    if not paths:
        return
    shown = ", ".join(str(p) for p in paths[:limit])
    more = f" and {len(paths) - limit} more" if len(paths) > limit else ""
    warnings.warn(f"{len(paths)} {what}: {shown}{more}", stacklevel=3)


def reason(err: BaseException, *, limit: int = 200) -> str:
    """The first line of an error's message, shortened at its end (its start names the file).

    Example
    -------
    >>> reason(ValueError("Error opening 'music_speech/x.wav': Format not recognised."), limit=30)
    "Error opening 'music_speech..."
    """
    lines = str(err).strip().splitlines()
    first = lines[0] if lines else type(err).__name__
    return first if len(first) <= limit else first[: limit - 3] + "..."


def read_table(path, required, *, what: str, fetch: str):
    """Read a tab-separated MTAT table as strings, checking that it has the ``required`` columns.

    Parameters
    ----------
    path : str or pathlib.Path
        The table.
    required : sequence of str
        Columns it must have.
    what : str
        What the file is, for messages (``"MTAT annotations"``).
    fetch : str
        The command that downloads the file again, for messages.

    Returns
    -------
    pandas.DataFrame
        Every cell as a string.

    Raises
    ------
    ValueError
        When the file cannot be parsed or lacks a column; the message names both and says
        how to get the file again.
    """
    import pandas as pd

    try:
        table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except Exception as err:
        raise ValueError(
            f"Could not parse {path} as a tab-separated {what} file: {err}. Is it complete? "
            f"Download it again with {fetch}."
        ) from None
    missing = [c for c in required if c not in table.columns]
    if missing:
        found = ", ".join(map(repr, list(table.columns)[:8]))
        raise ValueError(
            f"{path} lacks the column {missing[0]!r}"
            + (
                f" (and {len(missing) - 1} more: {', '.join(map(repr, missing[1:6]))})"
                if len(missing) > 1
                else ""
            )
            + f"; a {what} file has tab-separated columns {', '.join(map(repr, list(required)[:4]))}, ...; "
            f"found {found}{', ...' if len(table.columns) > 8 else ''}. "
            f"Is it the right file, complete and tab-separated? Download it again with {fetch}."
        )
    if table.empty:
        raise ValueError(
            f"{path} has its header but no rows: a {what} file lists one clip per line, so it "
            f"looks truncated. Download it again with {fetch}."
        )
    return table


def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it; put it back at once
    os.umask(mask)
    return mask


def honour_umask(path) -> None:
    """Give a file or folder made by ``tempfile`` the permissions the umask allows.

    ``mkstemp`` makes files 0600 and ``mkdtemp`` folders 0700 whatever the umask, so a file
    renamed into place from one would be unreadable by the other users of a shared install.
    """
    path = Path(path)
    full = 0o777 if path.is_dir() else 0o666
    os.chmod(path, full & ~_umask())


def write_atomic(path, data, *, encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` through a unique temporary file beside it and ``os.replace``.

    A reader sees the old file or the new one, never a part; two writers leave one whole
    copy. The file gets the permissions the umask allows (:func:`honour_umask`).

    Parameters
    ----------
    path : str or pathlib.Path
        The file; its folder is made when missing.
    data : str or bytes
        What it holds (``str`` is encoded with ``encoding``).
    encoding : str
        The text encoding.

    Returns
    -------
    pathlib.Path
        ``path``.

    Example
    -------
    >>> p = Path(tempfile.mkdtemp()) / "a" / "x.json"; _ = write_atomic(p, "{}")
    >>> p.read_text(), sorted(q.name for q in p.parent.iterdir())
    ('{}', ['x.json'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode(encoding) if isinstance(data, str) else data)
        honour_umask(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_json(path, *, what: str, fix: str):
    """Read a JSON file; a truncated or garbled one raises a ValueError naming it and the fix.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.
    what : str
        What it is, for the message (``"results file"``).
    fix : str
        What makes it again, for the message (``"run 03_cnn_music_speech again"``).

    Example
    -------
    >>> p = Path(tempfile.mkdtemp()) / "r.json"; _ = p.write_text('{"a": "b')
    >>> read_json(p, what="results file", fix="run the notebook again")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: .../r.json is not a complete results file (Unterminated string ... (char 6); 8 bytes): ...
    """
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        size = path.stat().st_size
        raise ValueError(
            f"{path} is not a complete {what} ({reason(err)}; {size:,} bytes): it was "
            f"probably cut short by a full disk or an interrupted run. Delete it and {fix}."
        ) from None
