"""CSV tables with their floats formatted a column at a time: the same bytes as pandas' ``to_csv``."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.report.csv_table import _written_by_columns, formatted_floats, write_csv

TRICKY = [0.0, -0.0, 1.0, -1.0, 3.0, 1e6, 123456.5, 1234567.0, 0.1, 2 / 3, 1e-5, 1e-300, 5e-324, 1.7976931348623157e308,
          np.nan, np.inf, -np.inf, 0.5e-6, 999999.5, 9999995.0, 2.5, -2.5e-7, 1e16, 4503599627370497.0]


def _pandas(frame: pd.DataFrame, float_format: str) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, float_format=float_format)
    return buffer.getvalue()


def _ours(frame: pd.DataFrame, float_format: str) -> str:
    buffer = io.StringIO()
    write_csv(frame, buffer, float_format)
    return buffer.getvalue()


def test_floats_read_as_pandas_writes_them_nan_as_empty():
    values = np.array(TRICKY)
    want = _pandas(pd.DataFrame({"x": values}), "%.6g").splitlines()[1:]
    got = formatted_floats(values, "%.6g")
    assert ['""' if v == "" else v for v in got] == want          # a lone empty field is quoted
    assert got[:3] == ["0", "-0", "1"] and got[values.tolist().index(np.inf)] == "inf"


def test_a_table_of_every_kind_of_column_is_written_as_pandas_writes_it():
    n = len(TRICKY)
    frame = pd.DataFrame({
        "float": TRICKY, "ints": np.arange(n), "whole_floats": np.arange(n, dtype=float),
        "float32": np.array([v if abs(v) < 1e38 else np.copysign(np.inf, v) for v in TRICKY], dtype=np.float32),
        "all_nan": np.full(n, np.nan), "small": np.arange(n, dtype=np.int8), "unsigned": np.arange(n, dtype=np.uint16),
        "float16": np.linspace(-3, 3, n).astype(np.float16), "numpy_objects": np.array(TRICKY, dtype=object),
        "text": [f"z{k}" if k % 3 else None for k in range(n)], "quoted": ['a,b', 'say "hi"', "line\nbreak"] * (n // 3),
        "flags": [k % 2 == 0 for k in range(n)], "objects": [None, 1.5, "x"] * (n // 3),
        "strings": pd.array([f"s{k}" for k in range(n)], dtype="string"),
    })
    for float_format in ("%.6g", "%.3f", "%g"):
        assert _ours(frame, float_format) == _pandas(frame, float_format)
    assert _written_by_columns(frame)


def test_a_table_of_numbers_and_text_is_written_without_pandas_formatting_it(monkeypatch):
    frame = pd.DataFrame({"x": [1.5, np.nan], "n": [1, 2], "s": pd.array(["a", None], dtype="str")})
    want = _pandas(frame, "%.6g")
    monkeypatch.setattr(pd.DataFrame, "to_csv", None)
    assert _ours(frame, "%.6g") == want


def test_tables_with_dates_categories_or_labels_not_text_are_written_by_pandas():
    dates = pd.DataFrame({"when": pd.to_datetime(["2024-01-01", None]), "x": [0.5, 1 / 3]})
    kinds = pd.DataFrame({"kind": pd.Categorical(["a", "b"]), "x": [0.5, 1 / 3]})
    nullable = pd.DataFrame({"n": pd.array([1, None], dtype="Int64"), "x": [0.5, 1 / 3]})
    numbered = pd.DataFrame({1.5: [0.5, 1 / 3], 2: [1, 2]})
    for frame in (dates, kinds, nullable, numbered, pd.DataFrame(index=range(3))):
        assert _ours(frame, "%.6g") == _pandas(frame, "%.6g")


def test_a_file_is_written_as_pandas_writes_it(tmp_path):
    frame = pd.DataFrame({"x": TRICKY, "s": ["é, ü", None] * (len(TRICKY) // 2)})
    frame.to_csv(tmp_path / "pandas.csv", index=False, float_format="%.6g")
    write_csv(frame, tmp_path / "ours.csv", "%.6g")
    write_csv(frame, str(tmp_path / "named.csv"), "%.6g")
    want = (tmp_path / "pandas.csv").read_bytes()
    assert (tmp_path / "ours.csv").read_bytes() == want == (tmp_path / "named.csv").read_bytes()


def test_an_empty_table_and_repeated_column_names_are_written_as_pandas_writes_them():
    empty = pd.DataFrame({"a": np.array([], dtype=float), "b": np.array([], dtype=object)})
    assert _ours(empty, "%.6g") == _pandas(empty, "%.6g")
    twice = pd.DataFrame([[1.25, 2.5, "x"]], columns=["a", "a", "b"])
    assert _ours(twice, "%.6g") == _pandas(twice, "%.6g")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=30),
       st.sampled_from(["%.6g", "%.10g", "%.2f", "%e"]))
def test_any_floats_are_written_as_pandas_writes_them(values, float_format):
    frame = pd.DataFrame({"x": values, "y": list(reversed(values))})
    assert _ours(frame, float_format) == _pandas(frame, float_format)


def test_the_table_written_is_left_as_it_was():
    frame = pd.DataFrame({"x": [1.5, np.nan], "y": ["a", "b"]})
    before = frame.copy()
    _ours(frame, "%.6g")
    pd.testing.assert_frame_equal(frame, before)
