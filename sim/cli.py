"""The ``sim`` command: subcommands only, no logic.

Every subcommand turns an :class:`~sim.errors.InputError` into its lines on
stderr and exit code 2; anything else is a bug and keeps its traceback.
A wrong argument is one line and exit code 2 as well, and output cut short
by its reader (``sim schema | head``) ends quietly.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from sim.errors import InputError, printable
from sim.version import __version__

__all__ = ["main"]


def _scenario_arg(value: str | None) -> Path:
    from sim.scenarios import scenario_path

    return scenario_path(value)


def _print_problems(err: InputError) -> None:
    for line in err.lines:
        print(line, file=sys.stderr)


def _check_region(scenario, base_dir: Path) -> None:
    """What ``sim run`` would refuse about the region, refused before anything runs."""
    from sim.network.sources import check_townships_exist

    check_townships_exist(scenario, base_dir)


def _validate_one(name: str, schema_only: bool) -> str:
    """``FILE: ok`` or an :class:`InputError` with every problem of the file."""
    from sim.scenarios import load_scenario
    from sim.scenarios.overlays import is_overlay_file, validate_overlay

    path = _scenario_arg(name)
    if path.suffix in (".yaml", ".yml") and path.is_file() and is_overlay_file(path):
        overlay = validate_overlay(path)
        return f"{printable(name)}: ok (an overlay of {len(overlay.interventions)} intervention(s))"
    scenario = load_scenario(path)
    if not schema_only:
        from sim.world.places import check_world

        problems = []
        for check in (lambda: check_world(scenario, path.parent), lambda: _check_region(scenario, path.parent)):
            try:
                check()
            except InputError as err:
                problems.extend(err.problems)
        if problems:
            raise InputError(sorted(dict.fromkeys(problems), key=_position))
    return f"{printable(name)}: ok"


def _position(problem) -> tuple:
    line = getattr(problem, "line", None)
    return (line is not None, line or 0, getattr(problem, "col", None) or 0)


def cmd_validate(args) -> int:
    status = 0
    for name in args.files:
        try:
            print(_validate_one(name, args.schema_only))
        except InputError as err:
            _print_problems(err)
            status = 2
    return status


def cmd_schema(args) -> int:
    if args.overlay:
        from sim.scenarios.overlays import Overlay as model

        title = "sim overlay"
    else:
        from sim.scenarios.models import Scenario as model

        title = "sim scenario"
    schema = model.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = title
    print(json.dumps(schema, indent=2))
    return 0


def cmd_info(args) -> int:
    from sim.report.info import describe, format_description, map_target
    from sim.scenarios import load_scenario

    path = _scenario_arg(args.scenario)
    scenario = load_scenario(path)
    map_path = map_target(args.map) if args.map else None
    info = describe(scenario, path.parent, map_path=map_path)
    print(json.dumps(info, indent=2) if args.json else format_description(info))
    return 0


def cmd_run(args) -> int:
    from sim.engine.simulation import run
    from sim.report.outputs import run_folder, write_outputs
    from sim.scenarios import load_scenario

    path = _scenario_arg(args.scenario)
    scenario = load_scenario(path)
    _check_region(scenario, path.parent)
    out = Path(args.out) if args.out else Path("out") / path.stem
    progress = not args.quiet and sys.stderr.isatty()
    with run_folder(out):
        result = run(scenario, seed=args.seed, base_dir=path.parent, progress=progress)
        summary = write_outputs(result, out, plots=not args.no_plots, report=not args.no_report)
    if not args.quiet:
        from sim.report.console import format_summary

        print(format_summary(summary, out))
    return 0


def _executor_args(p) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive, metavar="N",
                       help="local worker processes (default: the machine's CPUs; 1 runs in this process)")
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="run on a Dask distributed cluster (needs the 'dist' extra)")


def _print_kpis(out_dir: Path) -> None:
    from sim.experiments.results import (batch_targets, batch_variant_targets, format_results, read_results,
                                         results_tables)

    print(format_results(*results_tables(read_results(out_dir), targets_h=batch_targets(out_dir),
                                         variant_targets_h=batch_variant_targets(out_dir))), end="")


def _precision_args(p) -> None:
    p.add_argument("--precision", type=float, metavar="H",
                   help="add replications in rounds until the headline shares' 95 %% intervals are at most "
                        "±H (0.02 = ±2 points); --replications is the first round (10 unless given)")
    p.add_argument("--max-replications", type=int, metavar="N",
                   help="with --precision: stop at N replications per variant (200)")


def _only_with(value, option: str, partner: str, partner_given: bool, why: str) -> None:
    """Refuse ``option`` given without the ``partner`` option it works with (it would be ignored)."""
    if value is not None and not partner_given:
        raise InputError(f"{option}: only with {partner} ({why}); add {partner} or leave {option} out")


def _first_round(args) -> int:
    if args.replications is not None:
        return args.replications
    return 10 if args.precision is not None else 20


def _batch_until_precise(args, scenario, path: Path, out: Path):
    from sim.experiments.precision import run_batch_until_precise

    return run_batch_until_precise(scenario, precision=args.precision, replications=_first_round(args),
                                   max_replications=args.max_replications, sweep=args.sweep or (), out_dir=out,
                                   workers=args.workers, scheduler=args.scheduler, resume=args.resume,
                                   base_dir=path.parent, scenario_file=str(path),
                                   progress=not args.quiet and sys.stderr.isatty())


def cmd_batch(args) -> int:
    from sim.experiments.batch import format_failures, run_batch
    from sim.experiments.executors import BatchAborted
    from sim.scenarios import load_scenario

    _only_with(args.max_replications, "--max-replications", "--precision", args.precision is not None,
               "it caps the replications --precision adds")
    path = _scenario_arg(args.scenario)
    scenario = load_scenario(path)
    _check_region(scenario, path.parent)
    out = Path(args.out) if args.out else Path("out") / f"{path.stem}-batch"
    precise = None
    try:
        if args.precision is not None:
            result, precise = _batch_until_precise(args, scenario, path, out)
        else:
            result = run_batch(scenario, replications=_first_round(args), sweep=args.sweep or (), out_dir=out,
                               workers=args.workers, scheduler=args.scheduler, resume=args.resume,
                               base_dir=path.parent, scenario_file=str(path),
                               progress=not args.quiet and sys.stderr.isatty())
    except BatchAborted as err:
        print(err, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"interrupted; finished replications are saved in {out}: continue with --resume", file=sys.stderr)
        return 130
    for line in result.warnings:
        print(f"warning: {line}", file=sys.stderr)
    report = None
    if not args.no_report:
        from sim.report.reports import write_report

        report = write_report(out)
    if not args.quiet:
        done = f", {result.already_done} already done" if result.already_done else ""
        print(f"{result.total} replications ({len(result.variants)} variant(s) x {result.replications}): "
              f"{result.total - len(result.failed)} ok, {len(result.failed)} failed{done}; "
              f"{result.wall_s:.1f} s; results in {result.results_path}"
              + (f", report in {report}" if report is not None else ""))
        if precise is not None:
            from sim.experiments.precision import format_precision

            print(format_precision(precise))
        _print_kpis(out)
    for line in format_failures(result, args.scenario or path.stem):
        print(line, file=sys.stderr)
    return 1 if result.failed else 0


def cmd_compare(args) -> int:
    from sim.api import compare
    from sim.experiments.compare import format_verdicts
    from sim.experiments.executors import BatchAborted

    _only_with(args.max_replications, "--max-replications", "--precision", args.precision is not None,
               "it caps the pairs --precision adds")
    baseline = _scenario_arg(args.baseline)
    variant = _scenario_arg(args.variant) if args.variant else None
    try:
        comparison = compare(baseline, variant, replications=_first_round(args), workers=args.workers,
                             scheduler=args.scheduler, out_dir=Path(args.out) if args.out else None,
                             resume=args.resume, progress=not args.quiet and sys.stderr.isatty(),
                             report=not args.no_report, precision=args.precision,
                             max_replications=args.max_replications)
    except BatchAborted as err:
        print(err, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; finished replications are saved: continue with --resume", file=sys.stderr)
        return 130
    if not args.quiet:
        for line in format_verdicts(comparison):
            print(line)
    for line in comparison.failure_lines():
        print(line, file=sys.stderr)
    return 1 if comparison.failed else 0


def cmd_report(args) -> int:
    from sim.report.reports import write_report

    path = write_report(Path(args.folder), Path(args.out) if args.out else None)
    if not args.quiet:
        print(f"{path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def cmd_results(args) -> int:
    from sim.experiments.results import (batch_targets, batch_variant_targets, format_results, missing_runs,
                                         read_results, results_tables)

    for value, option in ((args.indifference, "--indifference"), (args.better, "--better")):
        _only_with(value, option, "--select", bool(args.select), "it tells how to pick the best variant")
    df = read_results(args.folder)
    incomplete = missing_runs(args.folder, df)
    if incomplete:
        print(f"warning: {incomplete}", file=sys.stderr)
    extra = {}
    if args.select:
        from sim.experiments.selection import selection_extra, select_best

        larger = None if args.better is None else args.better == "higher"
        extra = selection_extra(select_best(df, args.select, larger=larger, indifference=args.indifference))
    table, met = results_tables(df, all_kpis=args.all, targets_h=batch_targets(args.folder),
                                variant_targets_h=batch_variant_targets(args.folder))
    print(format_results(table, met, args.format, extra), end="")
    return 0


def _scenario_positional(p) -> None:
    p.add_argument("scenario", nargs="?", metavar="SCENARIO",
                   help="scenario file or built-in name (default: the default scenario)")


def _whole_number(text: str, low: int, high: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{what}, got {text!r}")
    return value


def _seed(text: str) -> int:
    from sim.world.streams import MAX_SEED

    return _whole_number(text, 0, MAX_SEED, "must be a whole number from 0 to 2**63 - 1 (seeds are 64-bit)")


def _positive(text: str) -> int:
    return _whole_number(text, 1, sys.maxsize, "must be a whole number of 1 or more")


class _Parser(argparse.ArgumentParser):
    """Argument errors as one line (and exit code 2), like every other bad input."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {printable(message)}; see '{self.prog} --help'\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sim", description="Simulate disaster resource dispatch against the planning targets "
        "(3 h first district supplies, 8 h / 12 h basic-living relief).")
    parser.add_argument("--version", action="version", version=f"sim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check scenario and overlay files; prints 'ok' or every error with "
                                        "its location")
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario or overlay files, or built-in names")
    p.add_argument("--schema-only", action="store_true",
                   help="skip loading the road graph and zones (no check of node ids, lon/lat and townships)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("schema", help="print the scenario JSON Schema (for editor autocompletion)")
    p.add_argument("--overlay", action="store_true", help="the schema of an overlay file (interventions only)")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("info", help="what a scenario's world holds: roads, zones, depots, shelters, teams")
    _scenario_positional(p)
    p.add_argument("--map", metavar="FILE.png", help="also draw the region map (.png, .pdf or .svg)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("run", help="run a scenario once; writes summary.json, zones.csv, events.parquet, plots")
    _scenario_positional(p)
    p.add_argument("--seed", type=_seed, help="override the scenario's seed (0 to 2**63 - 1)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: out/<scenario file name>)")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary on the console")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.add_argument("--no-report", action="store_true", help="skip report.html")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("batch", help="run replications (and sweeps) of a scenario; resumable Parquet results")
    _scenario_positional(p)
    p.add_argument("--replications", type=_positive, metavar="N",
                   help="replications per variant (20; with --precision the first round, 10)")
    p.add_argument("--sweep", action="append", metavar="PATH=V1,V2,...",
                   help="try these values at a scenario path, e.g. 'depots[0].trucks.count=10,20,40'; "
                        "several --sweep form their cartesian product")
    _executor_args(p)
    p.add_argument("--out", metavar="DIR", help="results folder (default: out/<scenario file name>-batch)")
    p.add_argument("--resume", action="store_true", help="continue the batch in --out: run only what is missing")
    _precision_args(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar and no table on the console")
    p.add_argument("--no-report", action="store_true", help="skip report.html")
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser("compare", help="paired before/after replications of a baseline and a variant or "
                                       "interventions overlay; CIs, p-values, verdicts, plots")
    p.add_argument("baseline", metavar="BASELINE", help="scenario file or built-in name")
    p.add_argument("variant", nargs="?", metavar="VARIANT",
                   help="a scenario file or built-in name, or an overlay file holding only an "
                        "'interventions:' list; default: BASELINE's own interventions against BASELINE without them")
    p.add_argument("--replications", type=_positive, metavar="N",
                   help="replication pairs (20; with --precision the first round, 10)")
    _executor_args(p)
    p.add_argument("--out", metavar="DIR", help="output folder (default: out/<baseline>-vs-<variant>)")
    p.add_argument("--resume", action="store_true", help="continue the comparison's batch in --out")
    _precision_args(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar and no verdicts on the console")
    p.add_argument("--no-report", action="store_true", help="skip report.html")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("report", help="write report.html of a run, batch or comparison folder again")
    p.add_argument("folder", metavar="DIR", help="the --out folder of sim run, sim batch or sim compare")
    p.add_argument("--out", metavar="FILE.html", help="where to write it (default: DIR/report.html)")
    p.add_argument("--quiet", action="store_true", help="do not print the file written")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("results", help="the KPI table of a batch folder: mean, 95 %% CI, min, max per variant, "
                                       "and the chance each target is met")
    p.add_argument("folder", metavar="DIR", help="the --out folder of sim batch or sim compare")
    p.add_argument("--format", choices=("table", "csv", "json", "markdown"), default="table")
    p.add_argument("--all", action="store_true", help="every KPI column, not only the headline KPIs")
    p.add_argument("--select", metavar="KPI",
                   help="which variant is best on KPI, with 95 %% confidence (Nelson & Matejcik 1995)")
    p.add_argument("--indifference", type=float, metavar="D",
                   help="with --select: a lead of D counts (shares: 0.01 = 1 point, the default); "
                        "says how many replications a 95 %% chance of choosing right needs")
    p.add_argument("--better", choices=("higher", "lower"),
                   help="with --select: which direction is better (default: lower for hours and unmet "
                        "need, higher otherwise)")
    p.set_defaults(func=cmd_results)
    return parser


def _reader_went_away() -> int:
    """stdout's reader closed it (``sim schema | head``): stop writing, quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 141   # as a process killed by SIGPIPE would exit in a shell


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return args.func(args)
    except InputError as err:
        _print_problems(err)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _reader_went_away()
