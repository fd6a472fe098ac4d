"""Shared fixtures: hypothesis profile, bundled instances, a CLI runner."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from fairmas.cli import main

# Fixed seed (derandomize) and bounded sizes keep `make test` reproducible and fast.
settings.register_profile(
    "fairmas",
    derandomize=True,
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("fairmas")

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = ROOT / "instances"


@dataclass
class CliRun:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli() -> Callable[..., CliRun]:
    """Run ``fairmas ARGS`` in-process; return exit code, stdout and stderr."""

    def run(*args: str) -> CliRun:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main([str(a) for a in args])
        return CliRun(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def instances() -> Path:
    return INSTANCES


@pytest.fixture(scope="session")
def report_inputs(tmp_path_factory: pytest.TempPathFactory):
    """Result files of every shape (real solves) for the ``fairmas report`` tests."""
    from tests.report_helpers import write_report_inputs

    return write_report_inputs(tmp_path_factory.mktemp("report_inputs"))
