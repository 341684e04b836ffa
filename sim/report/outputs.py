"""Write a run's outputs: summary.json, zones.csv, events.parquet, the event list, GeoJSON, plots, report.html.

A run's files are one set: the tables, the plots and the summary of the same
run. They are built in a temporary folder inside the output folder and only
then moved into place, so a failure or a kill while writing (plotting is the
slow part) never leaves new tables beside an old ``summary.json``:

1. the output folder is locked (:class:`~sim.files.FolderLock`): a second
   run into it refuses at once; temporary folders of a killed run are removed;
2. every file is written into ``.sim-tmp-RANDOM/``;
3. the set is moved in: the previous ``summary.json`` goes first, then every
   new file but the summary, then the previous run's other files that this
   run did not write (an old intensity map after a baseline run), and the
   new ``summary.json`` last. A folder with a ``summary.json`` therefore
   always holds exactly one run's files;
4. ``.sim-run.json`` lists the files of the run, so the next run removes
   exactly those and never a file of the user's in the same folder; a run
   that would replace a file no run wrote (``--out`` the scenario's own
   folder, whose ``zones.csv`` it reads) is refused before anything moves.

Files are created with mode 0666 less the umask, like any normal write.
"""
from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from sim.analysis.metrics import summarize, zones_frame
from sim.errors import InputError
from sim.files import LOCK_FILE, RUN_MANIFEST, FolderLock, Refused, make_folder, new_folder
from sim.report.csv_table import write_csv

__all__ = ["write_outputs", "run_folder", "written_files", "list_as_written", "MANIFEST", "SUMMARY"]

SUMMARY = "summary.json"
#: Lists the files the last run wrote into the folder.
MANIFEST = RUN_MANIFEST
_STAGING_PREFIX = ".sim-tmp-"
#: zones.csv's numbers: ten significant digits keep a longitude to the decimetre and write
#: amounts below ten billion without an exponent.
ZONES_FLOAT_FORMAT = "%.10g"
#: What runs wrote before the folder had a manifest.
_EARLIER_OUTPUTS = (SUMMARY, "zones.csv", "events.parquet", "timeline.md", "first_supply_coverage.png",
                    "relief_over_time.png", "first_supply_map.png", "earthquake_intensity.png",
                    "rainfall_depth.png", "closed_roads.png", "outages_timeline.png")
#: Files a run writes (plots only some runs): checked before a run into an existing folder.
_OUTPUT_NAMES = (*_EARLIER_OUTPUTS, "scenario.json", "msel.csv", "msel.xlsx", "report.html", "zones.geojson",
                 "roads_closed.geojson", "facilities.geojson")


@contextmanager
def run_folder(out_dir: Path | str):
    """The output folder of a run, created and locked: ``with run_folder(out): ...``.

    A folder this call created is removed again if the block fails before
    any file was moved into it.
    """
    out = Path(out_dir)
    created = not out.exists()
    held = [name for name in ("comparison.json", "batch.json", "results.parquet") if (out / name).exists()]
    if held:
        raise InputError(f"{out}: holds a batch or comparison ({held[0]}); a run's files would mix with its "
                         "results: choose another --out")
    if out.is_dir():
        _refuse_to_replace(out, [name for name in _OUTPUT_NAMES if (out / name).exists()])
    try:
        make_folder(out, "--out folder")
        with FolderLock(out, "run"):
            yield out
    except BaseException as error:
        if created:
            _remove_if_unused(out)
        if isinstance(error, Refused):
            raise InputError(str(error)) from None
        raise


def _remove_if_unused(out: Path) -> None:
    try:
        if {p.name for p in out.iterdir()} <= {LOCK_FILE}:
            (out / LOCK_FILE).unlink(missing_ok=True)
            out.rmdir()
    except OSError:
        pass


def write_outputs(run, out_dir: Path | str, *, plots: bool = True, report: bool = True) -> dict:
    """Write every output of ``run`` into ``out_dir`` as one set; returns the summary."""
    out = Path(out_dir)
    with run_folder(out):
        _remove_staging(out)
        staging = new_folder(out, _STAGING_PREFIX)
        try:
            summary = _write_set(run, staging, plots, report)
            _move_in(staging, out)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return summary


def _write_set(run, folder: Path, plots: bool, report: bool) -> dict:
    summary = summarize(run)
    zones = zones_frame(run)
    events = run.events_frame()
    write_csv(zones, folder / "zones.csv", float_format=ZONES_FLOAT_FORMAT)
    events.to_parquet(folder / "events.parquet", index=False)
    from sim.report.run_files import write_run_files

    written = write_run_files(run, summary, zones, events, folder, plots=plots)
    if plots:
        summary["plots"] = written
    (folder / SUMMARY).write_text(json.dumps(summary, indent=2, allow_nan=False) + "\n")
    if report:
        from sim.report.html_run import write_run_report

        write_run_report(folder, graph=run.world.graph)
    return summary


def _remove_staging(out: Path) -> None:
    """Temporary folders of runs that were killed (the lock is held: no run is using them)."""
    for stale in out.glob(f"{_STAGING_PREFIX}*"):
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)


def _refuse_to_replace(out: Path, names: list[str], previous: list[str] | None = None) -> None:
    """Refuse when a run would replace one of ``names`` in ``out`` that no earlier run wrote."""
    previous = _previous_files(out) if previous is None else previous
    theirs = [name for name in names if name not in previous]
    if theirs:
        raise InputError(f"{out / theirs[0]}: no earlier run wrote this file, and a run would replace it "
                         f"({len(theirs)} such file{'s' * (len(theirs) > 1)}); choose an empty or new --out folder")


def _previous_files(out: Path) -> list[str]:
    """The files the folder's last run wrote: its manifest's, or, in a folder of a run
    from before manifests (it has a ``summary.json``), the files such runs wrote."""
    listed = written_files(out)
    if listed is not None:
        return listed
    if not (out / SUMMARY).is_file():
        return []
    return [name for name in _EARLIER_OUTPUTS if (out / name).is_file()]


def written_files(out: Path | str) -> list[str] | None:
    """The files the last run wrote into ``out`` as its manifest lists them (``None``: no
    readable manifest)."""
    try:
        listed = json.loads((Path(out) / MANIFEST).read_text())["files"]
        if isinstance(listed, list) and all(isinstance(n, str) for n in listed):
            return [n for n in listed if n == Path(n).name and not n.startswith(".")]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def list_as_written(out: Path | str, name: str) -> None:
    """Add ``name`` to the files the folder's last run wrote (``sim report`` writing a run's
    ``report.html`` afterwards); a folder without a manifest (a run's staging folder) is left
    as it is."""
    listed = written_files(out)
    if listed is not None and name not in listed:
        _write_manifest(Path(out), sorted([*listed, name]))


def _write_manifest(out: Path, names: list[str]) -> None:
    tmp = out / f"{MANIFEST}.tmp"
    tmp.write_text(json.dumps({"files": sorted(names)}, indent=2) + "\n")
    os.replace(tmp, out / MANIFEST)


def _move_in(staging: Path, out: Path) -> None:
    new = sorted(p.name for p in staging.iterdir())
    old = _previous_files(out)
    _refuse_to_replace(out, [name for name in new if (out / name).exists()], old)
    _write_manifest(out, sorted(set(old) | set(new)))   # a kill from here on leaves every file listed
    (out / SUMMARY).unlink(missing_ok=True)
    for name in new:
        if name != SUMMARY:
            os.replace(staging / name, out / name)
    for name in set(old) - set(new):
        if (out / name).is_file() or (out / name).is_symlink():
            (out / name).unlink(missing_ok=True)
    if SUMMARY in new:
        os.replace(staging / SUMMARY, out / SUMMARY)
    _write_manifest(out, new)
