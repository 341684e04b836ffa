"""Tables written as CSV a column at a time, in the bytes ``DataFrame.to_csv`` writes.

``to_csv(float_format=...)`` formats every float cell through a Python
function of pandas' own and then writes row by row; :func:`write_csv` turns
each column into its text in one pass and hands the rows to the :mod:`csv`
writer pandas itself uses, with the same dialect: comma-separated, quoted
only where needed, the system's line ends, missing values empty. Tables with
columns of other kinds (dates, categories, …) or labels that are not text
are left to pandas.
"""
from __future__ import annotations

import csv
import os

import numpy as np
import pandas as pd

__all__ = ["formatted_floats", "write_csv"]


def formatted_floats(values: np.ndarray, float_format: str, na_rep: str = "") -> list[str]:
    """Each value of a float array as ``float_format % value``, NaN as ``na_rep``: the text
    ``to_csv(float_format=float_format, na_rep=na_rep)`` writes for a float column."""
    out = [float_format % v for v in values.tolist()]
    for k in np.flatnonzero(np.isnan(values)).tolist():
        out[k] = na_rep
    return out


def _cells(column: pd.Series, float_format: str) -> list:
    """The cells of a column as the CSV writer is to write them: floats formatted, missing values empty."""
    values = column.to_numpy() if isinstance(column.dtype, np.dtype) else None
    if values is not None and values.dtype.kind == "f":
        return formatted_floats(values, float_format)
    if values is not None and values.dtype.kind in "iub":
        return values.tolist()
    out = column.tolist()
    for k in np.flatnonzero(column.isna().to_numpy()).tolist():
        out[k] = ""
    return out


def _written_by_columns(frame: pd.DataFrame) -> bool:
    """Whether :func:`write_csv` writes ``frame`` itself: text labels and columns of numbers, booleans,
    text or Python objects."""
    return frame.shape[1] > 0 and all(isinstance(name, str) for name in frame.columns) and all(
        (isinstance(dtype, np.dtype) and dtype.kind in "fiubO") or isinstance(dtype, pd.StringDtype)
        for dtype in frame.dtypes)


def write_csv(frame: pd.DataFrame, path, float_format: str) -> None:
    """Write ``frame`` to ``path`` (a file name or a text file opened with ``newline=""``) as
    ``frame.to_csv(path, index=False, float_format=float_format)`` does."""
    if not _written_by_columns(frame):
        frame.to_csv(path, index=False, float_format=float_format)
        return
    columns = [_cells(frame.iloc[:, k], float_format) for k in range(frame.shape[1])]
    if isinstance(path, (str, bytes)) or hasattr(path, "__fspath__"):
        with open(path, "w", encoding="utf-8", newline="") as handle:
            _write_rows(handle, list(frame.columns), columns)
    else:
        _write_rows(path, list(frame.columns), columns)


def _write_rows(handle, header: list[str], columns: list[list]) -> None:
    writer = csv.writer(handle, lineterminator=os.linesep)
    writer.writerow(header)
    writer.writerows(zip(*columns))
