"""The event log's frame: the same frame, dtypes included, however it is built."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from sim.world.event_log import TEXT_COLUMNS, EventLog

TEXT = st.one_of(st.sampled_from(["", "deliver", "Z001", "water_l"]), st.text(max_size=6), st.none())
ROWS = st.lists(st.tuples(st.floats(allow_nan=True), TEXT, TEXT, TEXT, TEXT, st.floats(allow_nan=True)),
                max_size=30)


def _log(rows) -> EventLog:
    log = EventLog()
    for time_min, kind, agent, zone, item, amount in rows:
        log.add(time_min, kind, agent, zone, item, amount)
    return log


@given(ROWS)
def test_the_frame_equals_pandas_frame_of_the_column_lists(rows):
    log = _log(rows)
    frame, want = log.to_frame(), log.frame_of_lists()
    assert_frame_equal(frame, want, check_exact=True)
    assert pa.Table.from_pandas(frame).schema == pa.Table.from_pandas(want).schema   # as written to parquet


@given(ROWS, st.sampled_from(TEXT_COLUMNS), st.one_of(st.integers(), st.booleans(), st.floats(), st.text(max_size=4).map(str.encode)))
def test_the_frame_of_a_log_holding_other_than_text_equals_pandas_frame_too(rows, column, value):
    log = _log(rows)
    log.add(1.0, "deliver")
    getattr(log, column)[-1] = value
    assert_frame_equal(log.to_frame(), log.frame_of_lists(), check_exact=True)


def test_an_empty_log_s_frame_has_the_event_columns():
    frame = EventLog().to_frame()
    assert list(frame.columns) == ["time_min", "kind", "agent", "zone", "item", "amount"] and len(frame) == 0
    assert all(frame[c].dtype == pd.StringDtype() for c in TEXT_COLUMNS)
