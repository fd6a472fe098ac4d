"""Sweeps: the grid, the results file, resuming after Ctrl-C or a crash, Dask, bad input."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

import fairmas
from fairmas.errors import ParameterError
from fairmas.registry import values_agree
from fairmas.sweeps import (
    RESULT_COLUMNS,
    Task,
    load_sweep,
    open_store,
    read_results,
    run_sweep,
    run_task,
)
from fairmas.sweeps.generators import GENERATORS
from tests.test_bad_input import assert_one_line_error

SMALL = {
    "name": "small",
    "generators": [{"name": "smart_city"}, {"name": "traffic", "params": {"cycle": 100}}],
    "sizes": [4, 6],
    "seeds": [0, 1],
    "objectives": [
        {"name": "welfare", "methods": ["milp", "brute_force"]},
        {"name": "max_min"},
    ],
    "skip_unfit": True,
}
"""16 tasks: smart_city × welfare (2 methods) and traffic × max_min (milp, brute_force)."""


def write_sweep(folder: Path, document: dict, name: str = "sweep.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(document))
    return path


def ids(rows: list[dict]) -> list[str]:
    return [row["task_id"] for row in rows]


def test_a_sweep_writes_one_row_per_task_and_a_rerun_skips_them(tmp_path: Path, run_cli) -> None:
    path = write_sweep(tmp_path, SMALL)
    run = run_cli("sweep", path, "--workers", "1")
    assert run.code == 0, run.err
    assert run.err == ""
    out = tmp_path / "small.csv"
    assert "sweep small: 16 tasks, 0 already in" in run.out
    assert "16/16 tasks done (100%)" in run.out  # plain progress lines: stdout is no terminal
    with open(out, newline="") as stream:
        header = next(csv.reader(stream))
    assert tuple(header) == RESULT_COLUMNS
    rows = read_results(out)
    assert sorted(ids(rows)) == sorted(t.task_id for t in load_sweep(path).tasks)
    assert {(r["generator"], r["objective"]) for r in rows} == {
        ("smart_city", "welfare"),
        ("traffic(cycle=100)", "max_min"),
    }

    again = run_cli("sweep", path, "--workers", "1")
    assert again.code == 0
    assert "16 tasks, 16 already in" in again.out
    assert "0 new rows" in again.out
    assert read_results(out) == rows


def test_rows_hold_what_solve_returns(tmp_path: Path, run_cli) -> None:
    path = write_sweep(tmp_path, SMALL)
    assert run_cli("sweep", path, "--workers", "1").code == 0
    rows = {
        (r["generator"], r["size"], r["seed"], r["method"]): r
        for r in read_results(tmp_path / "small.csv")
    }
    for size in (4, 6):
        direct = fairmas.solve(GENERATORS["smart_city"](size, 1), "welfare", "milp")
        row = rows["smart_city", size, 1, "milp"]
        assert row["status"] == "optimal"
        assert row["sweep"] == "small"
        assert values_agree(row["value"], direct.value)
        assert row["n_agents"] == size
        assert row["params"] == "{}"
        assert row["error"] == ""
        assert json.loads(row["details"])["agent_values"] == direct.details["agent_values"]
        assert row["finished_at"].endswith("+00:00")
    # a method that does not apply: a row with status error and the reason
    na = rows["traffic(cycle=100)", 4, 0, "brute_force"]
    assert na["status"] == "error"
    assert na["value"] is None
    assert "needs indivisible resources only" in na["error"]
    assert json.loads(na["details"])["applicable"] is False


def test_task_ids_hash_the_definition_only() -> None:
    task = Task("a", "traffic", "traffic", (), 6, 0, "max_min", "milp", ())
    assert task.task_id == "da6e59ab62c370d7"  # stable across runs and machines
    assert Task("b", "traffic", "label", (), 6, 0, "max_min", "milp", (), threads=4).task_id == (
        task.task_id
    )
    different = [
        Task("a", "traffic", "traffic", (("cycle", 100),), 6, 0, "max_min", "milp", ()),
        Task("a", "traffic", "traffic", (), 7, 0, "max_min", "milp", ()),
        Task("a", "traffic", "traffic", (), 6, 1, "max_min", "milp", ()),
        Task("a", "traffic", "traffic", (), 6, 0, "nash", "milp", ()),
        Task("a", "traffic", "traffic", (), 6, 0, "max_min", "brute_force", ()),
        Task("a", "traffic", "traffic", (), 6, 0, "max_min", "milp", (("x", 1),)),
        Task("a", "traffic", "traffic", (), 6, 0, "max_min", "milp", (), time_limit=5.0),
    ]
    assert len({t.task_id for t in [task, *different]}) == 8


def test_shorthands_and_params_give_the_same_tasks(tmp_path: Path) -> None:
    base = {"sizes": [4], "seeds": [0], "objectives": [{"name": "csg", "methods": ["dp"]}]}
    short = load_sweep(write_sweep(tmp_path, {**base, "generators": [{"name": "csg:ndcs"}]}))
    long = load_sweep(
        write_sweep(
            tmp_path,
            {**base, "generators": [{"name": "csg", "params": {"distribution": "ndcs"}}]},
            "long.yaml",
        )
    )
    assert [t.task_id for t in short.tasks] == [t.task_id for t in long.tasks]
    assert short.tasks[0].label == "csg:ndcs"


def test_seed_forms(tmp_path: Path) -> None:
    base = {
        "generators": [{"name": "csg"}],
        "sizes": [3],
        "objectives": [{"name": "csg", "methods": ["dp"]}],
    }
    for seeds, expected in (
        ([4, 2], [4, 2]),
        ({"count": 3}, [0, 1, 2]),
        ({"range": [5, 8]}, [5, 6, 7]),
    ):
        sweep = load_sweep(write_sweep(tmp_path, {**base, "seeds": seeds}))
        assert [t.seed for t in sweep.tasks] == expected


def test_parquet_results_equal_the_csv_ones_and_end_as_one_part(tmp_path: Path, run_cli) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    path = write_sweep(tmp_path, SMALL)
    assert run_cli("sweep", path, "--workers", "1").code == 0
    run = run_cli("sweep", path, "--workers", "2", "--out", tmp_path / "r.parquet")
    assert run.code == 0, run.err
    assert "on 2 local worker processes" in run.out
    parts = sorted(p.name for p in (tmp_path / "r.parquet").glob("part-*"))
    assert parts == ["part-all-16.parquet"]
    table = pq.read_table(tmp_path / "r.parquet")
    assert tuple(table.column_names) == RESULT_COLUMNS
    assert table.num_rows == 16
    assert_same_results(read_results(tmp_path / "r.parquet"), read_results(tmp_path / "small.csv"))


def assert_same_results(rows: list[dict], expected: list[dict]) -> None:
    by_id = {row["task_id"]: row for row in expected}
    assert sorted(ids(rows)) == sorted(by_id)
    for row in rows:
        other = by_id[row["task_id"]]
        assert row["status"] == other["status"], (row, other)
        assert row["n_agents"] == other["n_agents"]
        if other["value"] is None:
            assert row["value"] is None
        else:
            assert values_agree(row["value"], other["value"]), (row, other)


def test_parquet_parts_are_whole_files_and_merge_drops_duplicates(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    row = dict.fromkeys(RESULT_COLUMNS, "") | {"size": 3, "seed": 0, "n_agents": 3}
    row |= {"value": 1.5, "bound": None, "gap": None, "wall_time": 0.1}
    with open_store(tmp_path / "r.parquet") as store:
        store.append(row | {"task_id": "a"})
        store.append(row | {"task_id": "b"})
    assert sorted(p.name for p in (tmp_path / "r.parquet").iterdir()) == [
        ".lock",
        "part-a.parquet",
        "part-b.parquet",
    ]
    (tmp_path / "r.parquet" / ".tmp-part-c.parquet").write_bytes(b"PAR1 half")  # a crash mid-write
    store = open_store(tmp_path / "r.parquet")
    assert store.finished == {"a", "b"}
    assert not (tmp_path / "r.parquet" / ".tmp-part-c.parquet").exists()
    store.append(row | {"task_id": "c"})
    store.close(complete=True)
    assert [p.name for p in (tmp_path / "r.parquet").glob("part-*")] == ["part-all-3.parquet"]
    assert ids(read_results(tmp_path / "r.parquet")) == ["a", "b", "c"]
    # a crash between writing the merged part and deleting the small ones leaves duplicates
    with open_store(tmp_path / "r.parquet") as store:
        store.append(row | {"task_id": "a"})
    assert ids(read_results(tmp_path / "r.parquet")) == ["a", "b", "c"]


def test_a_half_written_last_csv_line_is_cut_before_appending(tmp_path: Path, run_cli) -> None:
    path = write_sweep(tmp_path, SMALL)
    assert run_cli("sweep", path, "--workers", "1").code == 0
    out = tmp_path / "small.csv"
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:6]) + lines[6][:25])  # 5 rows, then part of a row
    run = run_cli("sweep", path, "--workers", "1")
    assert run.code == 0, run.err
    assert "5 already in" in run.out
    rows = read_results(out)
    assert len(rows) == 16
    assert len(set(ids(rows))) == 16
    assert all(line.count(",") >= 16 for line in out.read_text().splitlines())


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    with (
        open_store(tmp_path / "r.csv"),
        pytest.raises(ParameterError, match="another fairmas sweep"),
    ):
        open_store(tmp_path / "r.csv")


SLOW = {
    "name": "slow",
    "generators": [{"name": "llm_budget"}],
    "sizes": [14],
    "seeds": {"count": 8},
    "objectives": [
        {"name": "nash", "methods": ["outer_approximation"]},
        {"name": "leximin", "methods": ["ordered_outcomes"]},
    ],
}
"""16 tasks of a few tenths of a second each."""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_a_sweep_stopped_mid_run_loses_nothing_and_resumes(
    tmp_path: Path, run_cli, sig: signal.Signals
) -> None:
    path = write_sweep(tmp_path, SLOW)
    out = tmp_path / "slow.csv"
    process = subprocess.Popen(
        [sys.executable, "-m", "fairmas", "sweep", str(path), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not (out.exists() and out.read_text().count("\n") >= 3):  # header + 2 rows
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        process.send_signal(sig)
        try:
            _, stderr = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:  # say which processes still hold the pipes, and where
            alive = subprocess.run(
                ["ps", "-o", "pid,ppid,stat,wchan:20,etime,args", "-s", str(process.pid)],
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            pytest.fail(f"the stopped sweep's processes did not end within 60 s:\n{alive}")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the group this test started
    if sig == signal.SIGINT:
        assert process.returncode == 130
        assert stderr.splitlines()[-1].startswith("fairmas: interrupted; the finished rows are in")
    else:
        assert process.returncode == -signal.SIGKILL
    kept = read_results(out)
    assert 2 <= len(kept) < 16, "the sweep was to be stopped in the middle"
    assert len(set(ids(kept))) == len(kept)

    run = run_cli("sweep", path, "--workers", "1")
    assert run.code == 0, run.err
    assert f"{len(kept)} already in" in run.out
    rows = read_results(out)
    assert sorted(ids(rows)) == sorted(t.task_id for t in load_sweep(path).tasks)
    with open(out, newline="") as stream:
        assert len(list(csv.reader(stream))) == 17  # header + 16 rows, no duplicate
    assert rows[: len(kept)] == kept


def _worker_that_sleeps(parent: str) -> subprocess.Popen[str]:
    """A process that sets itself up as a pool worker of ``parent`` and then sleeps."""
    program = (
        "import sys, time\n"
        "from fairmas.sweeps.runner import _worker_init\n"
        "_worker_init(1, int(sys.argv[1]))\n"
        "time.sleep(30)\n"
    )
    return subprocess.Popen([sys.executable, "-c", program, parent], text=True)


def test_a_worker_set_up_after_its_pool_creator_died_still_leaves() -> None:
    # A worker spawned just before a SIGKILL may run its initializer only once it has been
    # handed to another process; it must compare with the creator's pid, not read it then.
    gone_creator = _worker_that_sleeps(str(2**22 + 1))  # above any pid: not its parent
    kept = _worker_that_sleeps(str(os.getpid()))  # this test is its parent
    try:
        assert gone_creator.wait(timeout=20) == 70
        time.sleep(1.5)
        assert kept.poll() is None, "a worker whose creator lives must keep running"
    finally:
        for process in (gone_creator, kept):
            process.kill()
            process.wait()


def test_dask_local_cluster_gives_the_local_results(tmp_path: Path, run_cli) -> None:
    distributed = pytest.importorskip("distributed")
    path = write_sweep(tmp_path, SMALL)
    assert run_cli("sweep", path, "--workers", "1").code == 0
    with distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        run = run_cli(
            "sweep", path, "--scheduler", cluster.scheduler_address, "--out", tmp_path / "dask.csv"
        )
    assert run.code == 0, run.err
    assert f"on the Dask cluster at {cluster.scheduler_address} (2 workers)" in run.out
    assert_same_results(read_results(tmp_path / "dask.csv"), read_results(tmp_path / "small.csv"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_scheduler_is_a_one_line_error(tmp_path: Path, run_cli) -> None:
    pytest.importorskip("distributed")
    path = write_sweep(tmp_path, SMALL)
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    run = run_cli("sweep", path, "--scheduler", address, "--scheduler-timeout", "2")
    assert time.monotonic() - started < 10
    assert_one_line_error(run, "--scheduler", f"no Dask scheduler answered at {address} within 2 s")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep.yaml"]


def test_without_dask_the_scheduler_option_says_how_to_install_it(
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    run = run_cli("sweep", write_sweep(tmp_path, SMALL), "--scheduler", "tcp://127.0.0.1:8786")
    assert_one_line_error(run, "--scheduler", "needs Dask", "pip install 'fairmas[sweep]'")


def test_without_pyarrow_parquet_says_how_to_install_it(
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    run = run_cli(
        "sweep", write_sweep(tmp_path, SMALL), "--workers", "1", "--out", tmp_path / "r.parquet"
    )
    assert_one_line_error(run, "--out", "Parquet results need pyarrow", "fairmas[sweep]", ".csv")
    assert not (tmp_path / "r.parquet").exists()


BAD_OPTIONS = [
    (["--workers", "0"], ["--workers", "whole number ≥ 1"]),
    (["--scheduler", "localhost:8786"], ["--scheduler", "expected tcp://HOST:PORT"]),
    (["--scheduler", "tcp://127.0.0.1:1", "--workers", "2"], ["--workers", "cannot be combined"]),
    (["--out", "results.xlsx"], ["--out", "a .csv or .parquet file", "results.xlsx"]),
    (["--out", "missing/r.csv"], ["--out", "directory 'missing' does not exist"]),
    (
        ["--scheduler-timeout", "0", "--scheduler", "tcp://127.0.0.1:1"],
        ["--scheduler-timeout", "> 0"],
    ),
]


@pytest.mark.parametrize(
    ("args", "fragments"), BAD_OPTIONS, ids=[" ".join(a) for a, _ in BAD_OPTIONS]
)
def test_bad_sweep_options(tmp_path: Path, run_cli, args, fragments) -> None:
    path = write_sweep(tmp_path, SMALL)
    assert_one_line_error(run_cli("sweep", path, *args), *fragments)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep.yaml"]


def _with(**changes: object) -> dict:
    return {**SMALL, **changes}


BAD_SWEEPS = [
    (
        "unknown generator",
        _with(generators=[{"name": "trafic"}]),
        ["generators[0].name", "unknown generator 'trafic'", "traffic, smart_city"],
    ),
    (
        "unknown shorthand",
        _with(generators=[{"name": "csg:gauss"}]),
        ["generators[0].params.distribution", "'uniform'"],
    ),
    (
        "shorthand twice",
        _with(generators=[{"name": "csg:ndcs", "params": {"distribution": "beta"}}]),
        ["generators[0].name", "both"],
    ),
    (
        "no shorthand",
        _with(generators=[{"name": "traffic:x"}]),
        ["generators[0].name", "no ':x' shorthand"],
    ),
    (
        "bad generator param",
        _with(generators=[{"name": "traffic", "params": {"cycle": "long"}}]),
        ["generators[0].params.cycle", "valid number"],
    ),
    (
        "unknown generator param",
        _with(generators=[{"name": "traffic", "params": {"lanes": 2}}]),
        ["generators[0].params.lanes", "unknown parameter for generator traffic"],
    ),
    ("no generators", _with(generators=[]), ["generators", "at least 1"]),
    (
        "same label",
        _with(generators=[{"name": "traffic"}, {"name": "smart_grid", "label": "traffic"}]),
        ["generators[1]", "label 'traffic' is used by generators[0]"],
    ),
    (
        "size too small",
        _with(sizes=[4, 1]),
        ["sizes[1]", "generator smart_city (generators[0])", "2..20000", "(got 1)"],
    ),
    (
        "size too large",
        _with(generators=[{"name": "csg"}], objectives=[{"name": "csg"}], sizes=[26]),
        ["sizes[0]", "2..25"],
    ),
    ("size not a number", _with(sizes=["ten"]), ["sizes[0]", "valid integer"]),
    ("size zero", _with(sizes=[0]), ["sizes[0]", "greater than or equal to 1"]),
    ("sizes repeated", _with(sizes=[4, 6, 4]), ["sizes[2]", "listed twice"]),
    ("no sizes", _with(sizes=[]), ["sizes", "at least 1"]),
    ("negative seed", _with(seeds=[0, -1]), ["seeds[1]", "greater than or equal to 0"]),
    ("seeds repeated", _with(seeds=[3, 3]), ["seeds[1]", "listed twice"]),
    ("seed count zero", _with(seeds={"count": 0}), ["seeds.count", "greater than or equal to 1"]),
    ("seed range backwards", _with(seeds={"range": [5, 2]}), ["seeds.range", "FROM < TO"]),
    ("seed range of three", _with(seeds={"range": [1, 2, 3]}), ["seeds.range", "at most 2"]),
    (
        "seeds of another form",
        _with(seeds={"first": 1}),
        ["seeds", "{count: N} or {range: [FROM, TO]}"],
    ),
    (
        "seeds missing",
        {k: v for k, v in SMALL.items() if k != "seeds"},
        ["seeds", "required field is missing"],
    ),
    (
        "unknown objective",
        _with(objectives=[{"name": "fairness"}]),
        ["objectives[0].name", "unknown objective 'fairness'"],
    ),
    (
        "unknown method",
        _with(objectives=[{"name": "max_min", "methods": ["milp", "magic"]}]),
        ["objectives[0].methods[1]", "unknown method 'magic'", "milp, brute_force"],
    ),
    (
        "method repeated",
        _with(objectives=[{"name": "max_min", "methods": ["milp", "milp"]}]),
        ["objectives[0].methods[1]", "listed twice"],
    ),
    (
        "bad objective param",
        _with(objectives=[{"name": "nash", "params": {"tolerance": "tiny"}}]),
        ["objectives[0].params.tolerance", "valid number"],
    ),
    (
        "unknown objective param",
        _with(objectives=[{"name": "max_min", "params": {"k": 2}}]),
        ["objectives[0].params.k", "unknown parameter for objective max_min"],
    ),
    (
        "unfit pair",
        {k: v for k, v in SMALL.items() if k != "skip_unfit"},
        [
            "objectives[1]",
            "objective max_min reads allocation instances",
            "generator smart_city (generators[0]) makes mechanism instances",
            "skip_unfit: true",
        ],
    ),
    ("nothing fits", _with(objectives=[{"name": "csg"}]), ["objectives", "nothing to run"]),
    (
        "repeated objective",
        _with(objectives=[{"name": "max_min"}, {"name": "max_min", "methods": ["milp"]}]),
        ["listed twice"],
    ),
    ("bad time limit", _with(time_limit=-1), ["time_limit", "greater than 0"]),
    ("bad out", _with(out="results.txt"), ["out", "a .csv or .parquet file"]),
    ("out in no directory", _with(out="missing/r.parquet"), ["out", "does not exist"]),
    ("bad name", _with(name="my sweep"), ["name", "pattern"]),
    ("unknown key", _with(colour="blue"), ["colour", "unknown field", "generators"]),
    ("skip_unfit a string", _with(skip_unfit="yes"), ["skip_unfit", "valid boolean"]),
]


@pytest.mark.parametrize(
    ("name", "document", "fragments"), BAD_SWEEPS, ids=[c[0] for c in BAD_SWEEPS]
)
def test_bad_sweep_files(
    tmp_path: Path, run_cli, name: str, document: dict, fragments: list[str]
) -> None:
    path = write_sweep(tmp_path, document)
    assert_one_line_error(run_cli("sweep", path), f"{path}: ", *fragments)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep.yaml"]


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("", ["(document)", "empty file; expected a mapping of sweep settings"]),
        ("- a\n", ["(document)", "must be a mapping of sweep settings (found list)"]),
        ("sizes: [1\n", ["invalid YAML"]),
    ],
)
def test_unreadable_sweep_files(tmp_path: Path, run_cli, text: str, fragments: list[str]) -> None:
    path = tmp_path / "sweep.yaml"
    path.write_text(text)
    assert_one_line_error(run_cli("sweep", path), *fragments)
    assert_one_line_error(
        run_cli("sweep", tmp_path / "missing.yaml"), "missing.yaml", "no such file"
    )


def test_a_results_file_of_something_else_is_refused(tmp_path: Path, run_cli) -> None:
    path = write_sweep(tmp_path, SMALL)
    (tmp_path / "small.csv").write_text("a,b,c\n1,2,3\n")
    assert_one_line_error(run_cli("sweep", path), "out", "not a fairmas sweep results file")
    assert (tmp_path / "small.csv").read_text() == "a,b,c\n1,2,3\n"


def test_dry_run_counts_and_writes_nothing(tmp_path: Path, run_cli) -> None:
    path = write_sweep(tmp_path, SMALL)
    run = run_cli("sweep", path, "--dry-run")
    assert run.code == 0
    assert (
        run.out.splitlines()[0]
        == f"sweep small: 16 tasks, 0 already in {tmp_path / 'small.csv'}, 16 to run"
    )
    assert "skipped (kind does not fit): smart_city × max_min" in run.out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep.yaml"]


def test_run_sweep_in_python(tmp_path: Path) -> None:
    sweep = load_sweep(write_sweep(tmp_path, SMALL))
    seen = []
    report = run_sweep(sweep, tmp_path / "mine.csv", workers=1, on_row=seen.append)
    assert (report.total, report.already_done, report.ran, report.lost) == (16, 0, 16, 0)
    assert ids(seen) == ids(read_results(tmp_path / "mine.csv"))


def test_a_task_that_kills_its_worker_gets_an_error_row_and_the_rest_go_on(
    tmp_path: Path,
) -> None:
    from fairmas.sweeps.runner import CRASH_MESSAGE, LocalExecutor
    from tests.sweep_helpers import CRASHING_SEED, crash_on_seed_3

    document = {
        "generators": [{"name": "smart_city"}],
        "sizes": [5],
        "seeds": {"count": 6},
        "objectives": [{"name": "welfare", "methods": ["milp"]}],
    }
    sweep = load_sweep(write_sweep(tmp_path, document))
    report = run_sweep(sweep, executor=LocalExecutor(2, function=crash_on_seed_3))
    assert (report.ran, report.lost) == (6, 0)
    rows = read_results(sweep.out)
    crashed = [r for r in rows if r["seed"] == CRASHING_SEED]
    assert len(crashed) == 1
    assert crashed[0]["status"] == "error"
    assert crashed[0]["error"] == CRASH_MESSAGE
    expected = [run_task(task) for task in sweep.tasks if task.seed != CRASHING_SEED]
    assert_same_results([r for r in rows if r["seed"] != CRASHING_SEED], expected)
