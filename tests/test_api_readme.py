"""The README's Python API example runs as written (in a folder holding a copy of scenarios/)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Python API"):]
    section = section[:section.index("\n## ", 1)]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1
    return blocks[0]


def test_readme_python_api_example_runs(tmp_path, monkeypatch, capsys):
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(_example(), "README.md (Python API)", "exec"), namespace)
    out = capsys.readouterr().out
    assert "district_supplies" in out and "after: first supplies (any reserve tier) within 3 h" in out
    for folder, name in (("out/baseline", "report.html"), ("out/baseline", "msel.csv"),
                         ("out/baseline-batch", "report.html"), ("out/southeast", "report.html")):
        assert (tmp_path / folder / name).exists()
    assert len(namespace["rows"]) == 2 and set(namespace["msel"].columns) >= {"Event Synopsis", "Inject Text"}


def test_api_accepts_builtin_names_and_files():
    import sim

    by_name = sim.load_scenario("three_outages")
    by_file = sim.load_scenario(ROOT / "scenarios" / "three_outages.yaml")
    assert by_name.name == by_file.name


def test_readme_scenario_examples_are_valid_and_run_on_the_district(tmp_path):
    from sim.api import run
    from sim.scenarios.loader import load_scenario_text

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## The scenario format"):]
    section = section[:section.index("\n## ", 1)]
    example = re.findall(r"```yaml\n(.*?)```", section, flags=re.S)[0]
    scenario = load_scenario_text(example.replace("duration: 72h", "duration: 6h").replace("max_tour: 8h", "max_tour: 6h"), "README.md")
    assert scenario.mutual_aid.requests and scenario.last_mile.porters is not None
    summary = run(scenario).summary()
    assert summary["supply_audit"]["balanced"]
    assert {v["target"] for v in summary["verdicts"]} >= {"district_supplies", "basic_relief", "aid_request"}
