"""Plug-in constraints: fairness rules added by name to the Pyomo models of any objective.

A constraint is a function ``constraint(model, instance, **params) -> None``
that adds components to a model fairmas has built; it is registered by name
with the instance kinds it fits. Built in (:mod:`fairmas.constraints.builtin`):
``envy_free``, ``ef1``, ``proportional``, ``utility_floor``, ``gap_bound``,
``quota`` and ``budget``. Third parties add theirs through the entry-point
group ``fairmas.constraints``, with ``--plugin module:function`` on the
command line, with :func:`register`, or by passing the function itself
(:mod:`fairmas.constraints.registry` explains the lookup;
:mod:`fairmas.constraints.plugins` loads ``--plugin`` functions).

Use them with ``fairmas solve FILE --objective nash --constraint ef1
--constraint utility_floor:value=3``, a ``constraints:`` block in the
instance file, or ``fairmas.solve(instance, "nash", constraints=["ef1",
("utility_floor", {"value": 3})])``.

Examples
--------
>>> import fairmas
>>> sorted(fairmas.constraints.CONSTRAINTS)
['budget', 'ef1', 'envy_free', 'gap_bound', 'proportional', 'quota', 'utility_floor']
"""

from fairmas.constraints import builtin  # noqa: F401  (registers the built-ins)
from fairmas.constraints.plugins import load_plugin
from fairmas.constraints.registry import (
    CONSTRAINTS,
    ENTRY_POINT_GROUP,
    NO_CONSTRAINTS,
    BoundConstraint,
    Constraint,
    ConstraintLike,
    ConstraintSet,
    apply_constraints,
    bind_constraints,
    describe_constraints,
    get_constraint,
    known_constraints,
    parse_constraint_text,
    register,
    registered,
    unregister,
)

__all__ = [
    "CONSTRAINTS",
    "ENTRY_POINT_GROUP",
    "NO_CONSTRAINTS",
    "BoundConstraint",
    "Constraint",
    "ConstraintLike",
    "ConstraintSet",
    "apply_constraints",
    "bind_constraints",
    "describe_constraints",
    "get_constraint",
    "known_constraints",
    "load_plugin",
    "parse_constraint_text",
    "register",
    "registered",
    "unregister",
]
