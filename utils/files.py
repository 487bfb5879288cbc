"""Reporting files that could not be read, and reading tab-separated tables with clear errors.

The small helpers every loader and installer shares (:mod:`utils.datasets`,
:mod:`utils.download`, :mod:`utils.features`): a leaf module, importing nothing of ``utils``.
"""

from __future__ import annotations

import warnings

__all__ = ["warn_files", "reason", "read_table"]


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
