"""The same batch on a Dask distributed cluster (127.0.0.1 only): rows equal a local run's."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys

import pandas as pd
import pytest
from test_batch import random_world, results, sim_env

from sim.cli import main
from sim.experiments.batch import run_batch
from sim.scenarios import load_scenario

distributed = pytest.importorskip("distributed")

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """A scheduler and two single-threaded workers on 127.0.0.1; torn down afterwards."""
    port = free_port()
    address = f"tcp://{HOST}:{port}"
    logs = tmp_path_factory.mktemp("dask")
    dask = [sys.executable, "-m", "dask"]
    procs = []

    def start(args: list[str], log: str) -> None:
        procs.append(subprocess.Popen(dask + args, env=sim_env(), cwd=logs, stdout=subprocess.DEVNULL,
                                      stderr=open(logs / log, "w"), start_new_session=True))

    try:
        start(["scheduler", "--host", HOST, "--port", str(port), "--no-dashboard"], "scheduler.log")
        for k in (1, 2):
            start(["worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard", "--host", HOST],
                  f"worker{k}.log")
        client = distributed.Client(address, timeout="60s", set_as_default=False)
        try:
            client.wait_for_workers(2, timeout=120)
        finally:
            client.close()
        yield address
    finally:
        for proc in reversed(procs):
            _stop(proc)


def test_a_dask_batch_gives_the_rows_of_a_local_batch(scheduler, tmp_path):
    world = random_world(tmp_path)
    scenario = load_scenario(world)
    run_batch(scenario, replications=2, out_dir=tmp_path / "local", workers=1, base_dir=world.parent)
    assert main(["batch", str(world), "--replications", "2", "--scheduler", scheduler,
                 "--out", str(tmp_path / "dask"), "--quiet"]) == 0
    doc = json.loads((tmp_path / "dask" / "batch.json").read_text())
    assert doc["executor"] == {"kind": "dask", "scheduler": scheduler, "workers": 2}
    dask_rows, local_rows = results(tmp_path / "dask"), results(tmp_path / "local")
    assert len(dask_rows) == 2
    pd.testing.assert_frame_equal(dask_rows, local_rows)


def test_an_unreachable_scheduler_is_one_line_and_exit_2_within_seconds(tmp_path, capsys):
    world = random_world(tmp_path)
    address = f"tcp://{HOST}:{free_port()}"          # nothing listens there
    code = main(["batch", str(world), "--replications", "1", "--scheduler", address, "--out", str(tmp_path / "b")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert err[0].startswith(f"cannot reach the Dask scheduler at {address} within 5 s")


def test_a_scheduler_address_without_a_port_is_refused_at_once(tmp_path, capsys):
    world = random_world(tmp_path)
    assert main(["batch", str(world), "--scheduler", HOST, "--out", str(tmp_path / "b")]) == 2
    assert "write it as tcp://HOST:PORT" in capsys.readouterr().err
