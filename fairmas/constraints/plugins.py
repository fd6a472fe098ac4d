"""Loading a plug-in constraint named ``module:function`` on the command line (``--plugin``).

The module is imported (from the installed packages, or from the current
directory, as ``python -m`` would) and the function becomes a constraint
named after it. Every way this can fail is a one-line
:class:`~fairmas.errors.ParameterError` naming the option: the module cannot
be imported (or raises while importing), it has no such attribute, or the
attribute is not callable. Only names given on the command line are
imported: an instance file can select a constraint by name, never load code.

Examples
--------
>>> found = load_plugin("math:floor")
>>> found.name, found.origin
('floor', '--plugin math:floor')
>>> load_plugin("math:pi")
Traceback (most recent call last):
...
fairmas.errors.ParameterError: --plugin math:pi: math:pi is not callable (a float)
>>> load_plugin("no_such_module_here:f")
Traceback (most recent call last):
...
fairmas.errors.ParameterError: --plugin no_such_module_here:f: cannot import module \
'no_such_module_here': ModuleNotFoundError: No module named 'no_such_module_here'
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Iterator

from fairmas.constraints.registry import Constraint, as_constraint
from fairmas.errors import ParameterError


@contextlib.contextmanager
def _current_directory_importable() -> Iterator[None]:
    """Let the current directory's modules be imported (the ``fairmas`` script's path lacks it)."""
    here = os.getcwd()
    added = "" not in sys.path and here not in sys.path
    if added:
        sys.path.append(here)
    try:
        yield
    finally:
        if added:
            sys.path.remove(here)


def load_plugin(target: str) -> Constraint:
    """Import ``module:function`` (``function`` may be dotted) and wrap it as a constraint.

    Parameters
    ----------
    target : str
        ``module:function``, e.g. ``my_rules:gpu_cap``.

    Returns
    -------
    Constraint
        Named after the function; kinds, objectives and parameters from its
        optional attributes (:func:`fairmas.constraints.registry.as_constraint`).

    Raises
    ------
    ParameterError
        A malformed target, an import error, a missing attribute or a
        non-callable, as one line.
    """
    where = f"--plugin {target}"
    module_name, sep, attribute = target.partition(":")
    module_name, attribute = module_name.strip(), attribute.strip()
    if not sep or not module_name or not attribute:
        raise ParameterError(where, "expected module:function, e.g. my_rules:gpu_cap")
    try:
        with _current_directory_importable():
            module = importlib.import_module(module_name)
    except Exception as exc:
        raise ParameterError(
            where, f"cannot import module {module_name!r}: {type(exc).__name__}: {exc}"
        ) from None
    found: object = module
    for part in attribute.split("."):
        if not hasattr(found, part):
            raise ParameterError(where, f"module {module_name!r} has no attribute {attribute!r}")
        found = getattr(found, part)
    try:
        return as_constraint(found, attribute.split(".")[-1], origin=where)
    except TypeError as exc:
        raise ParameterError(where, f"{target} {exc}") from None
