"""The ``sim`` command: subcommands only, no logic.

Every subcommand turns an :class:`~sim.errors.InputError` into its lines on
stderr and exit code 2; anything else is a bug and keeps its traceback.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import InputError

__all__ = ["main"]


def _scenario_arg(value: str | None) -> Path:
    from .scenarios import DEFAULT_SCENARIO, builtin_scenario_path

    if value is None:
        return builtin_scenario_path(DEFAULT_SCENARIO)
    path = Path(value)
    if not path.exists() and not path.suffix and "/" not in value:
        return builtin_scenario_path(value)
    return path


def cmd_validate(args) -> int:
    from .scenarios import load_scenario

    status = 0
    for name in args.files:
        try:
            load_scenario(Path(name))
        except InputError as err:
            for line in err.lines:
                print(line, file=sys.stderr)
            status = 2
        else:
            print(f"{name}: ok")
    return status


def cmd_schema(args) -> int:
    from .scenarios.models import Scenario

    schema = Scenario.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "sim scenario"
    print(json.dumps(schema, indent=2))
    return 0


def cmd_info(args) -> int:
    from .region_info import describe, format_description
    from .scenarios import load_scenario

    path = _scenario_arg(args.scenario)
    scenario = load_scenario(path)
    info = describe(scenario, path.parent, map_path=args.map)
    print(json.dumps(info, indent=2) if args.json else format_description(info))
    return 0


def cmd_run(args) -> int:
    from .engine import run
    from .outputs import write_outputs
    from .scenarios import load_scenario

    path = _scenario_arg(args.scenario)
    scenario = load_scenario(path)
    out = Path(args.out) if args.out else Path("out") / path.stem
    progress = not args.quiet and sys.stderr.isatty()
    result = run(scenario, seed=args.seed, base_dir=path.parent, progress=progress)
    summary = write_outputs(result, out, plots=not args.no_plots)
    if not args.quiet:
        from .report.console import format_summary

        print(format_summary(summary, out))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sim", description="Simulate disaster resource dispatch against the planning targets "
        "(3 h first district supplies, 8 h / 12 h basic-living relief).")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check scenario files; prints 'ok' or every error with its location")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("schema", help="print the scenario JSON Schema (for editor autocompletion)")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("info", help="what a scenario's world holds: roads, zones, depots, shelters, teams")
    p.add_argument("scenario", nargs="?", metavar="SCENARIO",
                   help="scenario file or built-in name (default: the default scenario)")
    p.add_argument("--map", metavar="FILE.png", help="also draw the region map")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("run", help="run a scenario once; writes summary.json, zones.csv, events.parquet, plots")
    p.add_argument("scenario", nargs="?", metavar="SCENARIO",
                   help="scenario file or built-in name (default: the default scenario)")
    p.add_argument("--seed", type=int, help="override the scenario's seed")
    p.add_argument("--out", metavar="DIR", help="output folder (default: out/<scenario file name>)")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary on the console")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.set_defaults(func=cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except InputError as err:
        for line in err.lines:
            print(line, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
