"""Install the tiny plug-in package of tests/plugin_package into the test environment.

It registers constraints in the ``fairmas.constraints`` entry-point group, the way a
third-party package would. The fixture installs it with pip (no dependencies; the
build backend comes through pip's build isolation, as for any package, because the
setuptools of a fresh Python 3.11 venv cannot build wheels alone) when it is missing
or older than its source, so the tests work on a fresh clone.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent / "plugin_package"
DISTRIBUTION = "fairmas-test-plugins"


def _wanted_version() -> str:
    with open(PACKAGE / "pyproject.toml", "rb") as stream:
        return tomllib.load(stream)["project"]["version"]


def install_plugin_package() -> None:
    """pip-install tests/plugin_package unless the same version is already installed."""
    try:
        installed = metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        installed = None
    if installed != _wanted_version():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                str(PACKAGE),
            ],
            check=True,
            capture_output=True,
        )
        importlib.invalidate_caches()


@pytest.fixture(scope="session")
def plugin_package() -> str:
    """The plug-in package, installed; returns its module name."""
    try:
        install_plugin_package()
    except subprocess.CalledProcessError as exc:  # pragma: no cover - environment problem
        pytest.fail(f"cannot install {PACKAGE}: {exc.stderr.decode(errors='replace')}")
    return "fairmas_test_plugins"
