"""The ``fairmas`` command.

Exit codes: 0 done; 1 a solve ended without a solution (infeasible, unbounded,
error, or a time limit before any incumbent) or, for ``compare``, exact
methods disagree; 2 bad input (one line on stderr naming the file or option,
the field and the rule); 3 an internal error (a bug: run with ``--debug`` for
the traceback); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from rich.console import Console
from rich.table import Table

from fairmas import __version__
from fairmas.api import compare, solve
from fairmas.errors import FairmasError, ParameterError
from fairmas.models import INSTANCE_KINDS, load_instance
from fairmas.registry import OBJECTIVES, get_objective
from fairmas.result import Result, write_text_atomic
from fairmas.solvers.options import DEFAULT_MIP_GAP

EXIT_OK, EXIT_NO_SOLUTION, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"fairmas: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(EXIT_BAD_INPUT)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fairmas",
        description="Fairness and interest alignment in multi-agent systems: solve instance "
        "files, compare formulations side by side.",
    )
    parser.add_argument("--version", action="version", version=f"fairmas {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def add_solve_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("file", help="instance file (.yaml, .yml, .json or .toml)")
        sub.add_argument("--objective", required=True, help="objective to optimize")
        sub.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="objective parameter (repeatable), e.g. relation=trust_utility",
        )
        sub.add_argument("--time-limit", type=float, metavar="S", help="seconds per method")
        sub.add_argument(
            "--mip-gap",
            type=float,
            default=DEFAULT_MIP_GAP,
            metavar="G",
            help=f"relative MIP gap (default {DEFAULT_MIP_GAP:g})",
        )
        sub.add_argument("--threads", type=int, metavar="N", help="solver threads")
        sub.add_argument("--out", metavar="FILE", help="write the JSON result to FILE (atomically)")
        sub.add_argument("--json", action="store_true", help="print JSON instead of a summary")

    solve_parser = commands.add_parser("solve", help="solve one objective with one method")
    add_solve_options(solve_parser)
    solve_parser.add_argument("--method", help="method (default: the fastest that applies)")
    solve_parser.add_argument("--verbose", action="store_true", help="show the solver log")
    solve_parser.add_argument(
        "--plot", metavar="FILE", help="draw the result to a PNG file (objectives that plot)"
    )

    compare_parser = commands.add_parser(
        "compare", help="run every method of an objective and check that they agree"
    )
    add_solve_options(compare_parser)
    compare_parser.add_argument(
        "--method", action="append", help="only these methods (repeatable; default: all)"
    )

    validate_parser = commands.add_parser("validate", help="check an instance file")
    validate_parser.add_argument("file")

    schema_parser = commands.add_parser("schema", help="print the JSON Schema of an instance kind")
    schema_parser.add_argument("kind", help=f"one of: {', '.join(INSTANCE_KINDS)}")

    methods_parser = commands.add_parser("methods", help="list objectives and their methods")
    methods_parser.add_argument("objective", nargs="?")
    return parser


# ----------------------------------------------------------------------------- helpers


def parse_params(pairs: Sequence[str]) -> dict[str, str]:
    """``["k=2", "relation=trust"]`` → ``{"k": "2", "relation": "trust"}``.

    >>> parse_params(["relation=trust_utility"])
    {'relation': 'trust_utility'}
    >>> parse_params(["relation"])
    Traceback (most recent call last):
    ...
    fairmas.errors.ParameterError: --param: expected KEY=VALUE (got 'relation')
    """
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ParameterError("--param", f"expected KEY=VALUE (got {pair!r})")
        if key in params:
            raise ParameterError(f"--param {key}", "given twice")
        params[key] = value.strip()
    return params


def _check_out_path(out: str | None, option: str = "--out") -> None:
    if out is None:
        return
    target = Path(out)
    if target.is_dir():
        raise ParameterError(option, f"{out} is a directory; give a file name")
    if not target.parent.is_dir():
        raise ParameterError(option, f"directory {str(target.parent)!r} does not exist")


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.10g}"


def _print_result(console: Console, result: Result) -> None:
    console.print(f"[bold]{result.objective}[/] · {result.method} · [bold]{result.status}[/]")
    if result.value is not None:
        extra = ""
        if result.bound is not None:
            extra = f"  (bound {_number(result.bound)}, gap {_number(result.gap)})"
        console.print(f"value      {_number(result.value)}{extra}")
    console.print(f"time       {result.wall_time:.4g} s")
    _print_solution(console, result.solution)
    if "error" in result.details:
        console.print(f"error      {result.details['error']}")


def _print_solution(console: Console, solution: dict[str, object]) -> None:
    for key, value in solution.items():
        if key == "coalitions" and isinstance(value, list):
            console.print(f"coalitions ({len(value)})")
            for position, coalition in enumerate(value, start=1):
                console.print(f"  {position}. {', '.join(coalition)}")
        else:
            console.print(f"{key:<10} {json.dumps(value)}")


def _print_comparison(console: Console, results: list[Result], header: str) -> None:
    objective = get_objective(results[0].objective)
    console.print(f"[bold]{objective.name}[/] {header}")
    table = Table()
    for column in ("method", "exact", "status", "value", "time (s)", "agrees"):
        table.add_column(column, justify="right" if column in ("value", "time (s)") else "left")
    notes = []
    for r in results:
        agrees = {True: "✓", False: "✗", None: "—"}[r.details.get("agrees")]
        status = str(r.status)
        if r.details.get("applicable") is False:
            status = "n/a"
            notes.append(f"{r.method}: {r.details['error']}")
        elif "error" in r.details:
            notes.append(f"{r.method}: {r.details['error']}")
        table.add_row(
            r.method,
            "yes" if objective.methods[r.method].exact else "no",
            status,
            _number(r.value),
            "—" if r.details.get("applicable") is False else f"{r.wall_time:.4f}",
            agrees,
        )
    console.print(table)
    for note in notes:
        console.print(f"  {note}", style="dim")
    best = results[0].details.get("best_exact")
    verdict = [r.details.get("agrees") for r in results]
    if False in verdict:
        console.print(f"[bold red]methods disagree[/] (best exact value {_number(best)})")
    elif best is not None:
        ran = sum(r.value is not None for r in results)
        console.print(f"all {ran} methods that ran agree on {_number(best)}")
    first_best = next((r for r in results if r.details.get("agrees")), None)
    if first_best is not None:
        console.print(f"solution of {first_best.method}:")
        _print_solution(console, first_best.solution)


# ----------------------------------------------------------------------------- commands


def _check_plot(args: argparse.Namespace) -> None:
    if getattr(args, "plot", None) is None:
        return
    objective = get_objective(args.objective)
    if objective.plot is None:
        plotting = ", ".join(name for name, o in OBJECTIVES.items() if o.plot is not None)
        raise ParameterError(
            "--plot", f"objective {objective.name} draws no plot; objectives that do: {plotting}"
        )
    _check_out_path(args.plot, "--plot")


def _solve_command(args: argparse.Namespace, console: Console) -> int:
    _check_out_path(args.out)
    _check_plot(args)
    result = solve(
        args.file,
        args.objective,
        args.method,
        time_limit=args.time_limit,
        mip_gap=args.mip_gap,
        threads=args.threads,
        verbose=args.verbose,
        **parse_params(args.param),
    )
    if args.out:
        write_text_atomic(args.out, result.to_json() + "\n")
    if args.plot and result.value is not None:
        get_objective(args.objective).plot(result, args.plot)
    if args.json:
        print(result.to_json())
    else:
        _print_result(console, result)
    return EXIT_OK if result.value is not None else EXIT_NO_SOLUTION


def _compare_command(args: argparse.Namespace, console: Console) -> int:
    _check_out_path(args.out)
    results = compare(
        args.file,
        args.objective,
        args.method,
        time_limit=args.time_limit,
        mip_gap=args.mip_gap,
        threads=args.threads,
        **parse_params(args.param),
    )
    text = json.dumps([r.to_dict() for r in results], indent=2, allow_nan=False)
    if args.out:
        write_text_atomic(args.out, text + "\n")
    if args.json:
        print(text)
    else:
        params = " ".join(args.param)
        _print_comparison(console, results, f"on {args.file} {params}".rstrip())
    disagree = any(r.details.get("agrees") is False for r in results)
    return EXIT_NO_SOLUTION if disagree else EXIT_OK


def _validate_command(args: argparse.Namespace, console: Console) -> int:
    instance = load_instance(args.file)
    console.print(f"{args.file}: OK ({instance.describe()})")
    return EXIT_OK


def _schema_command(args: argparse.Namespace, console: Console) -> int:
    if args.kind not in INSTANCE_KINDS:
        raise ParameterError(
            "schema", f"unknown kind {args.kind!r}; one of: {', '.join(INSTANCE_KINDS)}"
        )
    schema = INSTANCE_KINDS[args.kind].document_model.model_json_schema(by_alias=True)
    print(json.dumps(schema, indent=2))
    return EXIT_OK


def _methods_command(args: argparse.Namespace, console: Console) -> int:
    names = [args.objective] if args.objective else list(OBJECTIVES)
    for name in names:
        objective = get_objective(name)
        parameters = ", ".join(
            f"{key}={field.default}" for key, field in objective.parameters.model_fields.items()
        )
        console.print(
            f"[bold]{objective.name}[/] ({objective.kind}; {objective.sense}) — {objective.summary}"
        )
        console.print(f"  parameters: {parameters or 'none'}")
        for m in objective.methods.values():
            kind = "exact" if m.exact else "heuristic"
            console.print(f"  {m.name:<14} {kind:<9} {m.summary}")
    return EXIT_OK


_COMMANDS = {
    "solve": _solve_command,
    "compare": _compare_command,
    "validate": _validate_command,
    "schema": _schema_command,
    "methods": _methods_command,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``fairmas`` command; return its exit code."""
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    console = Console(highlight=False, soft_wrap=True)
    try:
        return _COMMANDS[args.command](args, console)
    except FairmasError as exc:
        sys.stderr.write(f"fairmas: error: {exc}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("fairmas: interrupted\n")
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: say so in one line unless --debug
        if args.debug:
            traceback.print_exc()
        else:
            detail = " ".join(str(exc).split())
            sys.stderr.write(
                f"fairmas: internal error: {type(exc).__name__}: {detail} "
                "(rerun with --debug for the traceback)\n"
            )
        return EXIT_INTERNAL
