"""DIMACS ``.gr`` reading: both dialects, xz, seeded weights, and bad input."""
from __future__ import annotations

import lzma
from pathlib import Path

import numpy as np
import pytest

from sim.errors import InputError
from sim.network.dimacs import SECONDS_SPEED_KMH, read_dimacs

#: 4,000 nodes cut from the DIMACS New York graph (see the file's comment lines).
NY_EXTRACT = Path(__file__).resolve().parent / "data" / "ny_extract.gr.xz"

SP = """c 9th DIMACS challenge style
c a tiny graph
p sp 4 5
c arcs follow
a 1 2 30
a 2 1 45
a 2 3 120
a 3 4 0
a 4 1 7
"""

TW = """c PACE 2016
p tw 5 4
1 2
2 3
3 4
4 5
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    if name.endswith(".xz"):
        p.write_bytes(lzma.compress(text.encode()))
    else:
        p.write_text(text)
    return p


def edge_set(g):
    return {(int(g.node_ids[t]), int(g.node_ids[h]), round(float(w), 9))
            for t, h, w in zip(g.tails, g.heads, g.free_flow_time_min() * 60)}


def one_error(path, **kw) -> str:
    with pytest.raises(InputError) as exc:
        read_dimacs(path, **kw)
    assert len(exc.value.lines) == 1
    return exc.value.lines[0]


def test_sp_arcs_become_oneway_edges_with_their_weight_in_seconds(tmp_path):
    g = read_dimacs(write(tmp_path, "tiny.gr", SP))
    assert g.n_nodes == 4 and g.n_edges == 5
    assert edge_set(g) == {(1, 2, 30), (2, 1, 45), (2, 3, 120), (3, 4, 0), (4, 1, 7)}
    assert list(g.node_ids) == [1, 2, 3, 4]
    assert g.name == "tiny"
    assert g.n_segments == 5  # each arc its own segment


def test_weight_w_gives_travel_time_of_exactly_w_over_60_minutes(tmp_path):
    weights = [1, 7, 13, 59, 61, 99, 12345, 987654]
    text = f"p sp 2 {len(weights)}\n" + "".join(f"a 1 2 {w}\n" for w in weights)
    g = read_dimacs(write(tmp_path, "w.gr", text))
    assert sorted(g.free_flow_time_min()) == [w / 60 for w in weights]
    assert np.all(g.speed_kmh == SECONDS_SPEED_KMH)


def test_tw_edges_are_two_way_with_seeded_weights_in_range(tmp_path):
    g = read_dimacs(write(tmp_path, "path.gr", TW), weight_seed=3, weight_range_s=(10, 100))
    assert g.n_nodes == 5 and g.n_edges == 8 and g.n_segments == 4
    t_s = g.free_flow_time_min() * 60
    assert np.all((t_s >= 10) & (t_s < 100))
    # both directions of a segment share its weight
    for s in range(4):
        assert len(set(np.round(t_s[g.segment == s], 9))) == 1
    assert "PACE-2016" in g.name and "10-100 s" in g.name and "seed 3" in g.name


def test_seeded_weights_are_deterministic_and_depend_on_the_seed(tmp_path):
    p = write(tmp_path, "path.gr", TW)
    a, b, c = (read_dimacs(p, weight_seed=s) for s in (1, 1, 2))
    assert np.array_equal(a.length_m, b.length_m)
    assert not np.array_equal(a.length_m, c.length_m)


def test_xz_reads_the_same_as_plain(tmp_path):
    for text in (SP, TW):
        plain = read_dimacs(write(tmp_path, "g.gr", text))
        packed = read_dimacs(write(tmp_path, "g.gr.xz", text))
        assert edge_set(plain) == edge_set(packed)
        assert packed.name.startswith("g")


def test_comments_and_blank_lines_between_data_keep_line_numbers(tmp_path):
    text = "p tw 3 2\nc note\n\n1 2\nc another\n2 9\n"
    assert one_error(write(tmp_path, "c.gr", text)).startswith(f"{tmp_path / 'c.gr'}:6: ")


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("", 1, "empty"),
        ("c only a comment\n", 1, "empty"),
        ("p xx 3 2\n1 2\n2 3\n", 1, "header"),
        ("p sp 3\na 1 2 3\n", 1, "header"),
        ("c hi\np tw three 2\n1 2\n", 2, "header"),
        ("p tw 3 2\n1 2\n2 4\n", 3, "node id v must be a whole number in 1..3"),
        ("p tw 3 2\n0 2\n2 3\n", 2, "node id u must be a whole number in 1..3"),
        ("p sp 3 2\na 1 2 5\na 2 3 -1\n", 3, "arc weight w must be a finite number >= 0"),
        ("p sp 3 2\na 1 2 5\na 2 3\n", 3, "truncated"),
        ("p tw 3 2\n1 2\n2 x\n", 3, "expected a line 'U V' of 2 numbers"),
        ("p tw 3 2\n1 2 3\n2\n", 2, "expected a line 'U V' of 2 numbers"),
        ("p sp 3 2\na 1 2 5\n2 3 4\n", 3, "a U V W"),
        ("p tw 3 3\n1 2\n2 3\n", 3, "truncated"),
        ("p tw 3 1\n1 2\n2 3\n", 3, "more edges"),
        ("p tw 3 2\n1 2\n2.5 3\n", 3, "node id u must be a whole number"),
        ("p sp 1000000000000 0\n", 1, "declares 1,000,000,000,000 nodes; at most 25,000,000"),
        ("p sp 3 100000000000\n", 1, "declares 100,000,000,000 arcs; at most 60,000,000"),
        ("p sp 20000000 1\na 1 2 3\n", 1, "declares 20,000,000 nodes but only 1 arcs"),
        ("p sp 3 1\na 1 2 3\n" + "c padding\n" * 200_000, 1, "more data than the 1 lines the header declares"),
    ],
)
def test_bad_input_is_one_line_naming_file_and_line(tmp_path, text, line, words):
    p = write(tmp_path, "bad.gr", text)
    msg = one_error(p)
    assert msg.startswith(f"{p}:{line}: "), msg
    assert words in msg, msg


def test_messages_never_quote_the_file(tmp_path):
    secret = "root:$6$saltsalt$5ecretHash:19000:0:99999:7:::"
    for text in (secret + "\n", "p sp 2 1\n" + secret + "\n", "p sp 2 1\na 1 2 " + secret + "\n"):
        msg = one_error(write(tmp_path, "shadow", text))
        assert "5ecret" not in msg and "saltsalt" not in msg, msg


def test_a_small_xz_that_decompresses_to_gigabytes_is_refused_after_what_the_header_allows(tmp_path):
    p = tmp_path / "bomb.gr.xz"
    with lzma.open(p, "wb", preset=9) as f:
        f.write(b"p tw 3 2\n1 2\n2 3\n")
        chunk = b"c" + b" " * (2**20 - 2) + b"\n"
        for _ in range(64):                     # 64 MB of comments, about 10 kB compressed
            f.write(chunk)
    assert p.stat().st_size < 100_000
    msg = one_error(p)
    assert msg.startswith(f"{p}:1: ") and "more data than the 2 lines the header declares" in msg


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_pipes_and_devices_are_refused_before_opening(tmp_path, special):
    import os

    if special == "fifo":
        path = tmp_path / "graph.gr"
        os.mkfifo(path)       # opening it would wait for a writer forever
    else:
        path = Path(special)
        if not path.exists():
            pytest.skip("no /dev/zero")
    msg = one_error(path)
    assert msg == f"{path}: is not a regular file (a pipe, device or socket); give a DIMACS graph file " \
                  "(.gr or .gr.xz)"


def test_missing_file_and_corrupt_xz_are_input_errors(tmp_path):
    assert "no such file" in one_error(tmp_path / "nope.gr")
    p = tmp_path / "cut.gr.xz"
    p.write_bytes(lzma.compress(TW.encode())[:-10])
    assert "xz" in one_error(p)


def test_the_new_york_extract_loads_whole():
    g = read_dimacs(NY_EXTRACT)
    assert g.n_nodes == 4_000 and g.n_segments == 5_006 and g.n_edges == 2 * 5_006
    assert "PACE-2016" in g.name and g.name.startswith("ny_extract")
    assert list(g.node_ids[:3]) == [1, 2, 3]
