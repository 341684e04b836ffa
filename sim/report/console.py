"""The console summary of a run: the planners' question answered in a few lines."""
from __future__ import annotations

from pathlib import Path

__all__ = ["format_summary"]


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.1f} %"


def _hours(x) -> str:
    return "never" if x is None else f"{x:.2f} h"


def _target_words(verdict: dict) -> str:
    """A verdict's target as the console says it."""
    target = verdict["target"]
    if target == "district_supplies":
        return "first district supplies per township" if verdict.get("site") == "township" else \
            "first supplies per community"
    if target == "aid_request":
        return f"aid request of {verdict.get('region', '')}"
    return target.replace("_", " ")


def format_summary(summary: dict, out: Path | None = None) -> str:
    k = summary["kpi"]
    fs, rl = k["first_supplies"], k["relief"]
    lines = [f"{summary['scenario']} (seed {summary['seed']})",
             f"  affected sites {k['affected_sites']}, affected people {rl['people_affected']:,}, "
             f"displaced {rl['displaced']:,} (sheltered {rl['sheltered']:,})"]
    lines.append("  first supplies at communities (any reserve tier): " + ", ".join(
        f"within {h} {_pct(v)}" for h, v in fs["within"].items())
        + f"; p50 {_hours(fs['p50_h'])}, p95 {_hours(fs['p95_h'])}")
    ft = k.get("first_supplies_township")
    if ft and ft.get("townships"):
        lines.append(f"  first district supplies in townships ({ft['townships']}): " + ", ".join(
            f"within {h} {_pct(v)}" for h, v in ft["within"].items())
            + f"; p50 {_hours(ft['p50_h'])}, p95 {_hours(ft['p95_h'])}")
    lines.append("  people relieved: " + ", ".join(f"within {h} {_pct(v)}" for h, v in rl["within"].items())
                 + f"; at the end {_pct(rl['relieved_at_end'])}")
    for v in summary["verdicts"]:
        mark = "n/a    " if v["met"] is None else "MET    " if v["met"] else "NOT MET"
        lines.append(f"  {mark} {_target_words(v)} within {v['within_h']:g} h: {_pct(v['share'])}")
    if k["zones_never_reached"]:
        lines.append(f"  zones never reached: {len(k['zones_never_reached'])}")
    unmet = {i: a for i, a in k["unmet_need_at_end"].items() if a > 0}
    if unmet:
        lines.append("  unmet need at the end: " + ", ".join(f"{i} {a:,.0f}" for i, a in unmet.items()))
    for w in summary.get("warnings", []):
        lines.append(f"  warning: {w}")
    lines.append(f"  supply audit {'balanced' if summary['supply_audit']['balanced'] else 'NOT BALANCED'}; "
                 f"{summary['run']['event_count']:,} events in {summary['run']['wall_s']:.1f} s")
    if out is not None:
        from sim.report.outputs import written_files

        lines.append(f"  outputs in {out}/: " + ", ".join(sorted(written_files(out) or [])))
    return "\n".join(lines)
