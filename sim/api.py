"""The Python API: load a scenario, run it, get its tables, run batches and comparisons.

Each function composes the stages the command line composes, so a notebook
gets what ``sim run``, ``sim batch`` and ``sim compare`` give::

    import sim
    scenario = sim.load_scenario("m8_earthquake")          # a built-in name or a file
    result = sim.run(scenario, seed=7)
    result.summary()["verdicts"]                           # the summary.json document
    result.zones_frame()                                   # zones.csv as a DataFrame
    result.events_frame()                                  # events.parquet as a DataFrame
    result.msel_frame()                                    # msel.csv as a DataFrame
    result.write("out/m8")                                 # every output file, report.html too

    batch = sim.run_batch(scenario, replications=10, out_dir="out/m8-batch")
    sim.results_frame("out/m8-batch")                      # results.parquet as a DataFrame
    comparison = sim.compare("baseline_normal_traffic", "scenarios/overlays/southeast_depot.yaml",
                             replications=6, out_dir="out/southeast")

Writing outputs never changes matplotlib's global state (no backend switch,
no ``pyplot``), so inline plots in a notebook keep working.
"""
from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from sim.engine.simulation import Run

__all__ = ["load_scenario", "run", "RunResult", "run_batch", "compare", "results_frame", "write_report"]


def _path_arg(value, what: str) -> Path:
    """``value`` as a path, or one :class:`~sim.errors.InputError` line saying what was expected."""
    from sim.errors import InputError

    if not isinstance(value, (str, Path)) or (isinstance(value, str) and not value.strip()):
        raise InputError(f"{what}: expected a file or folder path (a str or pathlib.Path), got {value!r:.60}")
    return Path(value)


def _seed_arg(seed):
    """``seed`` if it is a whole number from 0 to 2**63 - 1 (or None: the scenario's)."""
    from sim.errors import InputError
    from sim.world.streams import MAX_SEED

    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED):
        raise InputError(f"seed: expected a whole number from 0 to 2**63 - 1 (seeds are 64-bit), got {seed!r:.40}")
    return seed


def _flag_arg(value, what: str) -> bool:
    """``value`` if it is True or False: ``plots="no"`` is not False."""
    from sim.errors import InputError

    if not isinstance(value, bool):
        raise InputError(f"{what}: expected True or False, got {value!r:.40}")
    return value


def _counts_arg(kwargs: dict, names: tuple[str, ...]) -> None:
    """The whole-number keyword arguments ``names`` of ``kwargs`` that are given, checked."""
    from sim.errors import InputError

    for name in names:
        value = kwargs.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise InputError(f"{name}: expected a whole number, got {value!r:.40}")


def _scenario_arg(scenario):
    """A scenario object checked again (it may have been changed in code), or one loaded from a
    built-in name or a file: ``(scenario, path or None)``."""
    from sim.scenarios.loader import revalidate
    from sim.scenarios.models import Scenario

    if isinstance(scenario, Scenario):
        # A scenario loaded from a file names its region files relative to that file's folder.
        source = getattr(getattr(scenario, "_source", None), "file", None)
        path = Path(source) if isinstance(source, str) and Path(source).is_file() else None
        return revalidate(scenario), path
    if not isinstance(scenario, (str, Path)):
        from sim.errors import InputError

        raise InputError(f"scenario: expected a loaded scenario (sim.load_scenario), a built-in name or a file "
                         f"path, got {scenario!r:.60}")
    path = _scenario_path(scenario)
    return load_scenario(path), path


def _scenario_path(name_or_path, what: str = "scenario") -> Path:
    from sim.scenarios import BUILTIN_SCENARIOS, builtin_scenario_path

    path = _path_arg(name_or_path, f"{what} (a built-in name or a file)")
    if not path.exists() and str(name_or_path) in BUILTIN_SCENARIOS:
        return builtin_scenario_path(str(name_or_path))
    return path


def load_scenario(name_or_path):
    """Load and validate a scenario: a built-in name (``"m8_earthquake"``) or a YAML file;
    raises :class:`sim.errors.InputError` with one located line per problem."""
    from sim.scenarios import load_scenario as _load

    return _load(_scenario_path(name_or_path))


class RunResult(Run):
    """A finished run (:class:`sim.engine.simulation.Run`) with its tables."""

    def summary(self) -> dict:
        """The ``summary.json`` document (:func:`sim.analysis.metrics.summarize`)."""
        from sim.analysis.metrics import summarize

        return summarize(self)

    def zones_frame(self):
        """One row per zone, as ``zones.csv``."""
        from sim.analysis.metrics import zones_frame

        return zones_frame(self)

    def msel_frame(self):
        """The exercise event list, as ``msel.csv`` (:mod:`sim.report.msel`)."""
        from sim.report.msel import msel_frame, msel_injects

        return msel_frame(msel_injects(self.summary(), self.zones_frame(), self.events_frame(),
                                       self.scenario.model_dump(mode="json"), self.world.road_layers))

    def write(self, out_dir: Path | str, *, plots: bool = True, report: bool = True) -> dict:
        """Write every output file into ``out_dir`` (``report.html`` too, unless ``report=False``);
        returns the summary."""
        from sim.report.outputs import write_outputs

        return write_outputs(self, _path_arg(out_dir, "out_dir"), plots=_flag_arg(plots, "plots"),
                             report=_flag_arg(report, "report"))


def run(scenario, *, seed: int | None = None, base_dir: Path | str | None = None, progress: bool = False) -> RunResult:
    """Run a scenario once (:func:`sim.engine.simulation.run`); ``scenario`` is a loaded scenario,
    a built-in name or a file. Its region's files are found relative to ``base_dir``, by default
    the folder of the file it was loaded from (else the current folder)."""
    from sim.engine.simulation import run as _run

    scenario, path = _scenario_arg(scenario)
    base_dir = (_path_arg(base_dir, "base_dir") if base_dir is not None else
                path.parent if path is not None else Path("."))
    done = _run(scenario, seed=_seed_arg(seed), base_dir=base_dir, progress=progress)
    return RunResult(**{f.name: getattr(done, f.name) for f in fields(Run)})


def run_batch(scenario, *, report: bool = True, **kwargs):
    """Replications and sweeps into a results folder (:func:`sim.experiments.batch.run_batch`; ``out_dir``
    is required), with its ``report.html`` unless ``report=False``."""
    from sim.errors import InputError
    from sim.experiments.batch import run_batch as _run_batch

    _flag_arg(report, "report")
    _counts_arg(kwargs, ("replications", "workers", "max_replications"))
    scenario, path = _scenario_arg(scenario)
    if path is not None:
        kwargs.setdefault("base_dir", path.parent)
        kwargs.setdefault("scenario_file", str(path))
    kwargs["out_dir"] = _path_arg(kwargs.get("out_dir"), "out_dir")
    if isinstance(kwargs.get("sweep"), str):
        raise InputError("sweep: expected a list of 'PATH=V1,V2,...' strings, got one string; write "
                         f"sweep=[{kwargs['sweep']!r:.60}]")
    if not isinstance(kwargs.get("resume", False), bool):
        raise InputError(f"resume: expected True or False, got {kwargs['resume']!r:.40}")
    result = _run_batch(scenario, **kwargs)
    if report:
        write_report(result.out_dir)
    return result


def compare(baseline, variant=None, *, report: bool = True, **kwargs):
    """Paired before/after comparison of two scenarios, or a scenario and an overlay
    (:func:`sim.experiments.compare.compare`), with its plot and, unless ``report=False``, its
    ``report.html``. ``baseline`` is a file or a built-in name."""
    from sim.experiments.compare import compare as _compare
    from sim.report.comparison import write_comparison_plot

    _flag_arg(report, "report")
    _flag_arg(kwargs.get("resume", False), "resume")
    _counts_arg(kwargs, ("replications", "workers", "max_replications"))
    comparison = _compare(_scenario_path(baseline, "baseline"),
                          None if variant is None else _scenario_path(variant, "variant"),
                          plotter=write_comparison_plot, **kwargs)
    if report:
        write_report(comparison.out_dir)
    return comparison


def results_frame(folder: Path | str):
    """The rows of a batch or comparison folder (``results.parquet``) as a DataFrame."""
    from sim.experiments.results import read_results

    return read_results(_path_arg(folder, "folder"))


def write_report(folder: Path | str, path: Path | str | None = None) -> Path:
    """Write ``report.html`` of a run, batch or comparison folder again (:func:`sim.report.reports.write_report`)."""
    from sim.report.reports import write_report as _write_report

    return _write_report(_path_arg(folder, "folder"), None if path is None else _path_arg(path, "path"))
