"""What every instance generator offers: a name, the kind it makes, sizes, parameters.

An instance generator turns ``(size, seed)`` (and optional parameters) into a
validated instance, drawing every random number from
``numpy.random.default_rng(seed)``: the same arguments give the same
instance on every machine. ``size`` is always the number of agents.

The application scenarios (:data:`fairmas.scenarios.SCENARIOS`) and the
random generators of sweeps (:mod:`fairmas.sweeps.generators`) are all
:class:`Generator` objects.

Examples
--------
>>> from fairmas.scenarios import SCENARIOS
>>> traffic = SCENARIOS["traffic"]
>>> traffic.kind, traffic.size_problem(1)
('allocation', 'size must be an integer within 2..5000 (got 1)')
>>> traffic(8, seed=1).describe()
'allocation, 8 agents, 2 resources (2 divisible, 0 indivisible)'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from fairmas.errors import ParameterError


class GeneratorParameters(BaseModel):
    """Base of a generator's parameters: unknown names refused, strings converted."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Generator:
    """A seeded instance generator, callable as ``generator(size, seed, **params)``.

    Attributes
    ----------
    name : str
        Its registry name (``traffic``, ``csg``, ...).
    kind : str
        The instance kind it makes (``allocation``, ``mechanism``, ...).
    summary : str
        One line for ``fairmas generate --help`` and the README.
    objectives : tuple of str
        The objectives the instances are made for (each must solve them).
    parameters : type of GeneratorParameters
        Its parameters with defaults.
    make : callable
        ``make(size, seed, params) -> instance``; ``size`` and ``params`` checked.
    min_size, max_size : int
        The sizes (numbers of agents) it accepts.
    """

    name: str
    kind: str
    summary: str
    objectives: tuple[str, ...]
    parameters: type[GeneratorParameters]
    make: Callable[[int, int, Any], Any]
    min_size: int = 2
    max_size: int = 5000

    def size_problem(self, size: Any) -> str | None:
        """None when ``size`` is a valid number of agents, else the rule it breaks."""
        if (
            isinstance(size, bool)
            or not isinstance(size, int)
            or not self.min_size <= size <= self.max_size
        ):
            return f"size must be an integer within {self.min_size}..{self.max_size} (got {size!r})"
        return None

    def parse_params(self, raw: Mapping[str, Any], where: str = "--param") -> GeneratorParameters:
        """Validate parameters given by keyword or as ``--param`` strings.

        Raises
        ------
        ParameterError
            Naming ``where`` and the parameter, e.g. ``--param cycle: ...``.
        """
        try:
            return self.parameters.model_validate(dict(raw))
        except ValidationError as exc:
            error = exc.errors(include_url=False)[0]
            name = ".".join(str(part) for part in error["loc"])
            if error["type"] == "extra_forbidden":
                known = ", ".join(self.parameters.model_fields) or "none"
                raise ParameterError(
                    f"{where} {name}".strip(),
                    f"unknown parameter for generator {self.name}; known: {known}",
                ) from None
            message = str(error["msg"]).replace("Input should be", "must be")
            message = message.removeprefix("Value error, ")
            if error["loc"]:
                message += f" (got {error.get('input')!r})"
            raise ParameterError(f"{where} {name}".strip(), message) from None

    def __call__(self, size: int, seed: int = 0, **params: Any) -> Any:
        """Generate the instance of ``size`` agents drawn with ``seed``.

        Raises
        ------
        ParameterError
            For a size out of range, a negative seed or a bad parameter.
        """
        problem = self.size_problem(size)
        if problem is not None:
            raise ParameterError("--size", f"generator {self.name}: {problem}")
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ParameterError("--seed", f"must be an integer ≥ 0 (got {seed!r})")
        return self.make(size, seed, self.parse_params(params))

    def origin(self, size: int, seed: int) -> str:
        """The label of a generated instance in error messages."""
        return f"<{self.name} size={size} seed={seed}>"


def plain(value: float, digits: int) -> float | int:
    """``value`` rounded to ``digits`` decimals, as an int when whole (tidy files).

    >>> plain(2.0000001, 3), plain(2.4567, 2)
    (2, 2.46)
    """
    value = round(float(value), digits)
    return int(value) if value.is_integer() else value
