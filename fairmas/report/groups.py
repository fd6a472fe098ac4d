"""How the report groups Results: one group per objective and instance.

The Results of one objective in one results file go together, with the
instance file matched to any of them (:func:`~fairmas.report.inputs.match_instance`;
a Result without a solution matches nothing, but its file's other Results
may). Groups of several files with the same objective and matched instance are
merged; without a matched instance each file is its own group. Groups keep
the order in which their first Result was read.

Examples
--------
>>> from fairmas.result import Result, Status
>>> from fairmas.report.inputs import LoadedResult
>>> r = Result("csg", "dp", Status.OPTIMAL, 3.0, 3.0, 0.0, 0.01, {"coalitions": [["a", "b"]]})
>>> [g.label for g in group_results([LoadedResult(r, "x.json")], ())]
['csg on x.json']
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from fairmas.models import Instance
from fairmas.registry import OBJECTIVES
from fairmas.report.inputs import LoadedResult, match_instance
from fairmas.result import Result


@dataclass
class Group:
    """The Results of one objective on one instance.

    Attributes
    ----------
    objective : str
    where : str
        The instance file, or the results file when no instance matched.
    instance : Instance or None
        The matched instance.
    items : list of LoadedResult
    """

    objective: str
    where: str
    instance: Instance | None
    items: list[LoadedResult] = field(default_factory=list)

    @property
    def label(self) -> str:
        """``objective on file``."""
        return f"{self.objective} on {self.where}"

    @property
    def results(self) -> list[Result]:
        return [item.result for item in self.items]

    @property
    def sources(self) -> list[str]:
        """The results files of the group, each once."""
        return list(dict.fromkeys(item.source for item in self.items))


def group_results(loaded: Sequence[LoadedResult], instances: Sequence[Instance]) -> list[Group]:
    """Group Results by objective and instance (see the module docstring).

    Agreement is marked again (:func:`fairmas.api.mark_agreement`) in a group
    of a known objective when some of its Results lack ``details.agrees``
    (single Results from ``solve``, or Results of several files).
    """
    by_file: dict[tuple[str, str], list[LoadedResult]] = {}
    for item in loaded:
        by_file.setdefault((item.result.objective, item.source), []).append(item)
    groups: dict[tuple[str, str], Group] = {}
    for (objective, source), items in by_file.items():
        instance = next(
            (found for item in items if (found := match_instance(item.result, instances))), None
        )
        where = instance.origin if instance is not None else source
        if (objective, where) not in groups:
            groups[(objective, where)] = Group(objective, where, instance)
        groups[(objective, where)].items.extend(items)
    for group in groups.values():
        _mark_agreement(group)
    return list(groups.values())


def _mark_agreement(group: Group) -> None:
    from fairmas.api import mark_agreement

    objective = OBJECTIVES.get(group.objective)
    if objective is None or len(group.items) < 2:
        return
    if all("agrees" in r.details for r in group.results) and len(group.sources) == 1:
        return
    if any(r.method not in objective.methods for r in group.results):
        return
    marked = mark_agreement(objective, group.results)
    group.items = [
        replace(item, result=result) for item, result in zip(group.items, marked, strict=True)
    ]


def distinct(
    results: Sequence[Result], key: Callable[[Result], Hashable | None]
) -> list[tuple[Hashable, list[Result]]]:
    """Results with equal ``key`` together (in first-seen order); None keys left out.

    >>> from fairmas.result import Result, Status
    >>> rs = [Result("o", m, Status.OPTIMAL, v, None, None, 0.0) for m, v in
    ...       [("a", 1.0), ("b", 2.0), ("c", 1.0)]]
    >>> [(k, [r.method for r in same]) for k, same in distinct(rs, lambda r: r.value)]
    [(1.0, ['a', 'c']), (2.0, ['b'])]
    """
    found: dict[Hashable, list[Result]] = {}
    for result in results:
        value = key(result)
        if value is not None:
            found.setdefault(value, []).append(result)
    return list(found.items())


def by_instance(groups: Sequence[Group]) -> list[tuple[str, Instance | None, list[Result]]]:
    """The Results of every objective solved on one instance (or read from one file) together.

    The figure sections compare solutions across objectives this way (the
    utilities of max_min beside those of nash on the same instance).
    """
    found: dict[str, tuple[Instance | None, list[Result]]] = {}
    for group in groups:
        found.setdefault(group.where, (group.instance, []))[1].extend(group.results)
    return [(where, instance, results) for where, (instance, results) in found.items()]


def methods_label(results: Sequence[Result], limit: int = 4) -> str:
    """``objective: milp = brute_force`` for the methods that share one solution.

    >>> from fairmas.result import Result, Status
    >>> methods_label([Result("o", m, Status.OPTIMAL, 1.0, None, None, 0.0) for m in "abcdef"])
    'o: a = b = c = d (+2)'
    >>> methods_label([Result(o, "milp", Status.OPTIMAL, 1.0, None, None, 0.0) for o in "xy"])
    'x: milp; y: milp'
    """
    by_objective: dict[str, list[str]] = {}
    for r in results:
        methods = by_objective.setdefault(r.objective, [])
        if r.method not in methods:
            methods.append(r.method)
    parts = []
    for objective, names in by_objective.items():
        more = f" (+{len(names) - limit})" if len(names) > limit else ""
        parts.append(f"{objective}: " + " = ".join(names[:limit]) + more)
    return "; ".join(parts)


def rounded_key(value: Any) -> str:
    """A hashable key of JSON data, numbers rounded to 6 significant digits.

    Solutions whose numbers agree to 6 digits look the same on every figure
    (and agree within :data:`fairmas.registry.AGREEMENT_RTOL`), so they share one.

    >>> rounded_key({"b": [1.0000001, 2]}) == rounded_key({"b": [1.0, 2]})
    True
    """

    def round_numbers(item: Any) -> Any:
        if isinstance(item, bool) or item is None:
            return item
        if isinstance(item, int | float):
            return float(f"{item:.6g}")
        if isinstance(item, dict):
            return {str(k): round_numbers(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [round_numbers(v) for v in item]
        return item

    return json.dumps(round_numbers(value), sort_keys=True)
