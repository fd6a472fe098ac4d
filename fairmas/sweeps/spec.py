"""The sweep file: a grid of generators × sizes × seeds × objectives × methods.

::

    name: alloc-sizes                  # optional; default: the file name without extension
    generators:                        # scenarios, csg[:distribution], trust_network[:trust]
      - {name: smart_grid}
      - {name: traffic, params: {cycle: 120}, label: traffic-120}   # label optional
      - {name: "csg:ndcs"}
    sizes: [10, 20, 40]                # numbers of agents
    seeds: [0, 1, 2]                   # or {count: 5} (0..4) or {range: [10, 20]} (10..19)
    objectives:
      - {name: max_min, methods: [milp]}       # methods optional: default every method
      - {name: nash, params: {tolerance: 1e-6}}
    time_limit: 60                     # seconds per task, optional
    threads: 1                         # solver threads per task, optional
    skip_unfit: false                  # true: skip generator × objective pairs of other kinds
    out: results.parquet               # .csv or .parquet; default <name>.csv beside this file

Every rule is checked before anything runs; the first broken one is an
:class:`~fairmas.errors.InstanceError` naming the file, the field path and
the rule (``sweep.yaml: generators[1].name: unknown generator 'trafic'; ...``).
A generator whose instance kind an objective does not read is an error
naming both, unless ``skip_unfit: true`` (then the pair is skipped).

Examples
--------
>>> sweep = sweep_from_document(
...     {"generators": [{"name": "traffic"}], "sizes": [4, 8], "seeds": {"count": 2},
...      "objectives": [{"name": "max_min"}]}, "demo.yaml")
>>> sweep.name, len(sweep.tasks), sweep.out.name
('demo', 8, 'demo.csv')
>>> sweep_from_document({"generators": [{"name": "trafic"}], "sizes": [4], "seeds": [0],
...                      "objectives": [{"name": "max_min"}]}, "demo.yaml")
Traceback (most recent call last):
...
fairmas.errors.InstanceError: demo.yaml: generators[0].name: unknown generator 'trafic'; ...
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from fairmas.errors import InstanceError, ParameterError
from fairmas.models.io import read_document
from fairmas.models.validation import Document, Name, validate_document
from fairmas.registry import OBJECTIVES, get_objective
from fairmas.sweeps.generators import GENERATORS, resolve_generator
from fairmas.sweeps.store import check_results_path
from fairmas.sweeps.tasks import Task

MAX_TASKS = 1_000_000
"""Largest grid a sweep file may describe."""

SweepName = Annotated[
    str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=100)
]
Seed = Annotated[int, Field(strict=True, ge=0)]
Positive = Annotated[int, Field(strict=True, ge=1)]


class GeneratorEntry(Document):
    """One generator of the grid."""

    name: Name = Field(description="a generator (`traffic`, `csg:ndcs`, ...)")
    params: dict[Name, Any] = Field(default_factory=dict, description="its parameters")
    label: SweepName | None = Field(None, description="the `generator` column of its rows")


class ObjectiveEntry(Document):
    """One objective of the grid, with its methods and parameters."""

    name: Name = Field(description="a registered objective")
    methods: list[Name] | None = Field(None, min_length=1, description="default: all")
    params: dict[Name, Any] = Field(default_factory=dict, description="objective parameters")


class SweepDocument(Document):
    """The sweep file."""

    name: SweepName | None = Field(None, description="default: the file name")
    generators: list[GeneratorEntry] = Field(min_length=1)
    sizes: list[Positive] = Field(min_length=1, description="numbers of agents")
    seeds: Any = Field(description="a list, {count: N} or {range: [FROM, TO]}")
    objectives: list[ObjectiveEntry] = Field(min_length=1)
    time_limit: Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)] | None = None
    threads: Positive | None = None
    skip_unfit: Annotated[bool, Field(strict=True)] = False
    out: Name | None = Field(None, description=".csv or .parquet")


class _SeedList(Document):
    seeds: list[Seed] = Field(min_length=1)


class _SeedCount(Document):
    count: Annotated[int, Field(strict=True, ge=1, le=MAX_TASKS)]


class _SeedRange(Document):
    range: list[Seed] = Field(min_length=2, max_length=2)


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: its name, where results go, and every task.

    Attributes
    ----------
    name : str
    source : str
        The sweep file.
    out : Path
        The results file.
    tasks : tuple of Task
        The grid, generator by generator, then size, seed, objective, method.
    skipped_pairs : tuple of str
        ``generator × objective`` pairs left out by ``skip_unfit``.
    """

    name: str
    source: str
    out: Path
    tasks: tuple[Task, ...]
    skipped_pairs: tuple[str, ...] = ()


def _prefixed(exc: InstanceError, prefix: str) -> InstanceError:
    path = exc.path if exc.path not in ("", "(document)") else ""
    joined = prefix + (path if path.startswith("[") else f".{path}" if path else "")
    return InstanceError(exc.source, joined, exc.rule)


def _seeds(raw: Any, source: str) -> list[int]:
    if isinstance(raw, dict):
        if "count" in raw:
            try:
                count = validate_document(_SeedCount, raw, source).count
            except InstanceError as exc:
                raise _prefixed(exc, "seeds") from None
            return list(range(count))
        if "range" in raw:
            try:
                low, high = validate_document(_SeedRange, raw, source).range
            except InstanceError as exc:
                raise _prefixed(exc, "seeds") from None
            if low >= high:
                raise InstanceError(
                    source, "seeds.range", f"needs FROM < TO (got [{low}, {high}]); TO is excluded"
                )
            return list(range(low, high))
        raise InstanceError(
            source, "seeds", "must be a list of seeds, {count: N} or {range: [FROM, TO]}"
        )
    seeds = validate_document(_SeedList, {"seeds": raw}, source).seeds
    _no_repeats(seeds, source, "seeds")
    return seeds


def _no_repeats(values: list[Any], source: str, path: str) -> None:
    first: dict[Any, int] = {}
    for position, value in enumerate(values):
        if value in first:
            raise InstanceError(
                source,
                f"{path}[{position}]",
                f"{value!r} is listed twice (first at [{first[value]}])",
            )
        first[value] = position


def _label(entry: GeneratorEntry) -> str:
    if entry.label is not None:
        return entry.label
    if not entry.params:
        return entry.name
    shown = ", ".join(f"{key}={value}" for key, value in sorted(entry.params.items()))
    return f"{entry.name}({shown})"


def _generator_choices(
    document: SweepDocument, source: str
) -> list[tuple[str, dict[str, Any], str]]:
    choices = []
    labels: dict[str, int] = {}
    for i, entry in enumerate(document.generators):
        try:
            name, params = resolve_generator(entry.name, entry.params)
        except ParameterError as exc:
            raise InstanceError(source, f"generators[{i}].name", exc.rule) from None
        generator = GENERATORS[name]
        try:
            generator.parse_params(params, where="")
        except ParameterError as exc:
            raise InstanceError(source, f"generators[{i}].params.{exc.where}", exc.rule) from None
        for k, size in enumerate(document.sizes):
            problem = generator.size_problem(size)
            if problem is not None:
                raise InstanceError(
                    source, f"sizes[{k}]", f"generator {entry.name} (generators[{i}]): {problem}"
                )
        label = _label(entry)
        if label in labels:
            raise InstanceError(
                source,
                f"generators[{i}]",
                f"label {label!r} is used by generators[{labels[label]}] too; give each entry "
                "its own label",
            )
        labels[label] = i
        choices.append((name, params, label))
    return choices


def _objective_choices(
    document: SweepDocument, source: str
) -> list[tuple[str, list[str], dict[str, Any]]]:
    choices = []
    for j, entry in enumerate(document.objectives):
        try:
            objective = get_objective(entry.name)
        except ParameterError as exc:
            raise InstanceError(source, f"objectives[{j}].name", exc.rule) from None
        try:
            objective.parse_params(entry.params)
        except ParameterError as exc:
            name = exc.where.removeprefix("--param").strip()
            raise InstanceError(source, f"objectives[{j}].params.{name}", exc.rule) from None
        methods = entry.methods or list(objective.methods)
        for k, method in enumerate(methods):
            if method not in objective.methods:
                raise InstanceError(
                    source,
                    f"objectives[{j}].methods[{k}]",
                    f"unknown method {method!r} for objective {objective.name}; one of: "
                    f"{', '.join(objective.methods)}",
                )
        _no_repeats(methods, source, f"objectives[{j}].methods")
        choices.append((objective.name, methods, dict(entry.params)))
    return choices


def sweep_from_document(data: Any, source: str) -> Sweep:
    """Validate a parsed sweep file and expand its grid into tasks.

    Raises
    ------
    InstanceError
        Naming ``source``, the field path and the rule, for the first problem.
    """
    document = validate_document(SweepDocument, data, source)
    _no_repeats(document.sizes, source, "sizes")
    seeds = _seeds(document.seeds, source)
    generators = _generator_choices(document, source)
    objectives = _objective_choices(document, source)
    name = document.name or Path(source).stem

    pairs, skipped = [], []
    for i, (generator, params, label) in enumerate(generators):
        kind = GENERATORS[generator].kind
        for j, (objective, methods, objective_params) in enumerate(objectives):
            kinds = OBJECTIVES[objective].kinds
            if kind in kinds:
                pairs.append((generator, params, label, objective, methods, objective_params))
            elif document.skip_unfit:
                skipped.append(f"{label} × {objective}")
            else:
                raise InstanceError(
                    source,
                    f"objectives[{j}]",
                    f"objective {objective} reads {' or '.join(kinds)} instances, but generator "
                    f"{label} (generators[{i}]) makes {kind} instances; remove the pair or set "
                    "skip_unfit: true",
                )
    if not pairs:
        raise InstanceError(
            source, "objectives", "no generator × objective pair fits: nothing to run"
        )
    count = sum(len(p[4]) for p in pairs) * len(document.sizes) * len(seeds)
    if count > MAX_TASKS:
        raise InstanceError(
            source, "(document)", f"the grid has {count} tasks; at most {MAX_TASKS} are allowed"
        )

    tasks = []
    for generator, params, label, objective, methods, objective_params in pairs:
        for size in document.sizes:
            for seed in seeds:
                for method in methods:
                    tasks.append(
                        Task(
                            sweep=name,
                            generator=generator,
                            label=label,
                            generator_params=tuple(sorted(params.items())),
                            size=size,
                            seed=seed,
                            objective=objective,
                            method=method,
                            params=tuple(sorted(objective_params.items())),
                            time_limit=document.time_limit,
                            threads=document.threads,
                        )
                    )
    seen: dict[str, Task] = {}
    for task in tasks:
        if task.task_id in seen:
            raise InstanceError(
                source,
                "(document)",
                f"the task {task.label} size {task.size} seed {task.seed} {task.objective} "
                f"{task.method} is listed twice (repeated generator or objective entries)",
            )
        seen[task.task_id] = task

    out_name = document.out or f"{name}.csv"
    try:
        out = check_results_path(Path(source).parent / out_name)
    except ParameterError as exc:
        raise InstanceError(source, "out", exc.rule) from None
    return Sweep(name, source, out, tuple(tasks), tuple(skipped))


def load_sweep(path: str | Path) -> Sweep:
    """Read and validate a sweep file (YAML, JSON or TOML by extension).

    Raises
    ------
    InstanceError
        Naming the file, the field path and the rule.
    """
    return sweep_from_document(
        read_document(path, expected="a mapping of sweep settings"), str(path)
    )
