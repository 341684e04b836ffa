"""The malformed-scenario corpus: what ``sim validate FILE`` reports for each broken file.

Each file in ``tests/malformed/`` is a small scenario with a mistake a
planner could make; ``tests/malformed/EXPECTED.yaml`` lists, per file, the
exact problems (line, column, a message excerpt) loading it must report.
Files that cannot be committed (50 MB, missing, a directory, unreadable) are
made here in a temporary directory.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from test_scenario_loader import MINIMAL

from sim.errors import InputError
from sim.scenarios import loader
from sim.scenarios.loader import load_scenario, load_scenario_text

CORPUS = Path(__file__).parent / "malformed"
EXPECTED: dict[str, list[dict]] = yaml.safe_load((CORPUS / "EXPECTED.yaml").read_text())
LOCATED = re.compile(r"^[^:]+:(\d+):(\d+): ")
FILE_LEVEL = re.compile(r"^[^:]+: (?!\d)")

#: The valid scenario most corpus files are a variation of.
BASE = MINIMAL


def validate(path) -> list[str]:
    """``sim validate PATH``: the printed lines of the InputError it must raise."""
    with pytest.raises(InputError) as info:
        load_scenario(path)
    return info.value.lines


def test_corpus_base_scenario_is_valid():
    assert load_scenario_text(BASE).depots[0].id == "south"


def test_every_corpus_file_has_expectations_and_there_are_at_least_30():
    files = {p.name for p in CORPUS.glob("*.yaml")} - {"EXPECTED.yaml"}
    assert files == set(EXPECTED)
    assert len(files) >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_scenario_reports_exactly_its_located_problems(name):
    path = CORPUS / name
    lines = validate(path)
    expected = EXPECTED[name]
    assert len(lines) == len(expected), "\n".join(lines)
    for line, want in zip(lines, expected):
        assert line.startswith(f"{path}:")
        if want["line"] is None:
            assert FILE_LEVEL.match(line) and not LOCATED.match(line), line
        else:
            match = LOCATED.match(line)
            assert match, line
            assert (int(match.group(1)), int(match.group(2))) == (want["line"], want["col"]), line
        assert want["says"] in line


def test_no_problem_line_carries_a_control_character():
    for name in EXPECTED:
        for line in validate(CORPUS / name):
            assert line.isprintable(), repr(line)


def test_several_errors_in_one_file_are_all_reported():
    lines = validate(CORPUS / "several_errors.yaml")
    assert len(lines) == 5
    assert len({LOCATED.match(line).group(1) for line in lines}) == 5  # five different lines


def test_50_mb_file_is_refused_by_its_size_without_reading_it(tmp_path, monkeypatch):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as stream:
        stream.truncate(50 * 1024 * 1024)  # sparse: no 50 MB written to disk

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was opened")
    monkeypatch.setattr(loader, "open", no_reading, raising=False)
    assert validate(path) == [f"{path}: file is 50.0 MB; scenario files are limited to 10 MB"]


def test_fifo_is_refused_before_it_is_opened(tmp_path, monkeypatch):
    path = tmp_path / "scenario.yaml"
    os.mkfifo(path)               # open() would wait for a writer forever

    def no_opening(*args, **kwargs):
        raise AssertionError("the FIFO was opened")
    monkeypatch.setattr(loader, "open", no_opening, raising=False)
    assert validate(path) == [f"{path}: is not a regular file (a pipe, device or socket); a scenario is a "
                              "YAML text file"]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_endless_device_is_refused_before_it_is_read(monkeypatch):
    def no_opening(*args, **kwargs):
        raise AssertionError("the device was opened")
    monkeypatch.setattr(loader, "open", no_opening, raising=False)
    assert validate("/dev/zero") == ["/dev/zero: is not a regular file (a pipe, device or socket); a scenario "
                                     "is a YAML text file"]


def test_missing_file_has_no_position(tmp_path):
    path = tmp_path / "no_such_scenario.yaml"
    assert validate(path) == [f"{path}: no such file"]


def test_directory_is_not_a_scenario_file(tmp_path):
    path = tmp_path / "scenarios.yaml"
    path.mkdir()
    assert validate(path) == [f"{path}: is a directory, not a scenario file"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_says_permission_denied(tmp_path):
    path = tmp_path / "locked.yaml"
    path.write_text(BASE)
    path.chmod(0)
    try:
        assert validate(path) == [f"{path}: cannot read the file: permission denied"]
    finally:
        path.chmod(0o644)


def test_unreadable_file_is_one_clean_line_even_for_root(tmp_path, monkeypatch):
    path = tmp_path / "locked.yaml"
    path.write_text(BASE)

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(loader, "open", denied, raising=False)
    assert validate(path) == [f"{path}: cannot read the file: permission denied"]
