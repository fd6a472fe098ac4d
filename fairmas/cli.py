"""The ``fairmas`` command.

Exit codes: 0 done; 1 a solve ended without a solution (infeasible, unbounded,
error, or a time limit before any incumbent) or, for ``compare``, exact
methods disagree; 2 bad input (one line on stderr naming the file or option,
the field and the rule); 3 an internal error (a bug: run with ``--debug`` for
the traceback); 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from rich.console import Console
from rich.table import Table

from fairmas import __version__
from fairmas.api import ALL_OBJECTIVES, compare, compare_all, solve
from fairmas.atomic import write_text_atomic
from fairmas.constraints import (
    bind_constraints,
    describe_constraints,
    load_plugin,
    parse_constraint_text,
    registered,
)
from fairmas.errors import FairmasError, InstanceError, ParameterError
from fairmas.models import FILE_FORMATS, INSTANCE_KINDS, load_instance, save_instance
from fairmas.models.partition import read_partition
from fairmas.models.trust_network import TrustNetwork
from fairmas.objectives.min_cut_partition import check_partition
from fairmas.registry import OBJECTIVES, get_objective
from fairmas.result import Result, to_jsonable
from fairmas.solvers.options import DEFAULT_MIP_GAP

if TYPE_CHECKING:
    from rich.progress import Progress

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

    def add_format_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--format",
            choices=FILE_FORMATS,
            default="auto",
            help="auto: an instance file by extension; odpip: an ODP-IP value file (2^n lines)",
        )

    def add_plugin_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--plugin",
            action="append",
            default=[],
            metavar="MODULE:FUNCTION",
            help="register FUNCTION of MODULE as a constraint named after it (repeatable); "
            "use it with --constraint NAME or in the file's constraints block",
        )

    def add_solve_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("file", help="instance file (.yaml, .yml, .json or .toml)")
        sub.add_argument(
            "--objective",
            required=True,
            help="objective to optimize (compare: 'all' runs every objective fitting the instance)",
        )
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
        add_format_option(sub)
        sub.add_argument(
            "--constraint",
            action="append",
            default=[],
            metavar="NAME[:KEY=VALUE,...]",
            help="add a plug-in constraint to every model built (repeatable), e.g. ef1 or "
            "utility_floor:value=3; `fairmas constraints` lists them",
        )
        add_plugin_option(sub)

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
    add_format_option(validate_parser)
    add_plugin_option(validate_parser)

    constraints_parser = commands.add_parser(
        "constraints", help="list the plug-in constraints (built in, installed, --plugin)"
    )
    add_plugin_option(constraints_parser)

    convert_parser = commands.add_parser(
        "convert", help="convert an instance between YAML, JSON and the ODP-IP value format"
    )
    convert_parser.add_argument("input", help="instance file to read")
    convert_parser.add_argument(
        "output", help="file to write (.yaml, .yml, .json, .toml; any name with --to odpip)"
    )
    convert_parser.add_argument(
        "--from", dest="source_format", choices=FILE_FORMATS, default="auto", help="input format"
    )
    convert_parser.add_argument(
        "--to", dest="target_format", choices=FILE_FORMATS, default="auto", help="output format"
    )

    experiment_parser = commands.add_parser("experiment", help="reproduce a paper's experiment")
    experiments = experiment_parser.add_subparsers(
        dest="experiment", required=True, parser_class=_Parser
    )
    trust_csg = experiments.add_parser(
        "trust-csg",
        help="Tong and Ren's experiment: MT/MTU-s-t-cut against DP, ODP-IP and CSG-UCT",
    )
    trust_csg.add_argument(
        "--agents", default="2..25", help="FROM..TO, N or a list (default 2..25)"
    )
    trust_csg.add_argument(
        "--trust",
        action="append",
        choices=("low", "high", "mixed"),
        help="trust regime (repeatable; default all three)",
    )
    trust_csg.add_argument("--seeds", type=int, default=3, help="instances per |A| (default 3)")
    trust_csg.add_argument("--out", default="trust_csg", metavar="DIR", help="output directory")
    trust_csg.add_argument(
        "--density", type=float, default=0.5, help="edge probability (default 0.5)"
    )
    trust_csg.add_argument(
        "--exact-max", type=int, default=20, help="largest |A| for DP and ODP-IP (default 20)"
    )
    trust_csg.add_argument(
        "--uct-iterations", type=int, default=2000, help="CSG-UCT iterations (default 2000)"
    )

    schema_parser = commands.add_parser("schema", help="print the JSON Schema of an instance kind")
    schema_parser.add_argument("kind", help=f"one of: {', '.join(INSTANCE_KINDS)}")

    methods_parser = commands.add_parser("methods", help="list objectives and their methods")
    methods_parser.add_argument("objective", nargs="?")

    check_parser = commands.add_parser(
        "check",
        help="welfare, individual utilities, rationality and stability of a given structure",
    )
    check_parser.add_argument("file", help="trust network instance file")
    check_parser.add_argument(
        "--partition",
        required=True,
        metavar="FILE",
        help='a Result JSON of min_cut_partition, or {"coalitions": [[...], ...]}',
    )
    check_parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="min_cut_partition parameter (repeatable), e.g. relation=trust_utility; "
        "default: the settings recorded in the Result",
    )
    check_parser.add_argument("--json", action="store_true", help="print a JSON report")

    report_parser = commands.add_parser(
        "report", help="one self-contained HTML page with tables and plots of results"
    )
    report_parser.add_argument(
        "results",
        nargs="+",
        metavar="RESULTS",
        help="Result JSON (solve --out, compare --json) or sweep table (.csv, .parquet, directory)",
    )
    report_parser.add_argument(
        "--out", required=True, metavar="FILE", help="the HTML page to write (atomically)"
    )
    report_parser.add_argument(
        "--instance",
        action="append",
        default=[],
        metavar="FILE",
        help="instance file to draw on (repeatable); matched to Results by agent names",
    )
    report_parser.add_argument("--title", default="fairmas report", help="page title")
    _add_scenario_commands(commands)
    return parser


def _whole_number(minimum: int) -> Any:
    """An argparse type: an integer ≥ ``minimum``, with a one-line error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be a whole number ≥ {minimum} (got {text!r})"
            ) from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be a whole number ≥ {minimum} (got {value})")
        return value

    return parse


def _add_scenario_commands(commands: Any) -> None:
    """The ``generate`` and ``sweep`` commands."""
    from fairmas.scenarios import SCENARIOS

    generate_parser = commands.add_parser(
        "generate", help="write an instance of an application scenario (seeded)"
    )
    generate_parser.add_argument("scenario", help=f"one of: {', '.join(SCENARIOS)}")
    generate_parser.add_argument(
        "--size", required=True, type=_whole_number(1), metavar="N", help="number of agents"
    )
    generate_parser.add_argument(
        "--seed", type=_whole_number(0), default=0, metavar="S", help="random seed (default 0)"
    )
    generate_parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="scenario parameter (repeatable), e.g. cycle=120",
    )
    generate_parser.add_argument(
        "--out",
        metavar="FILE",
        help="write to FILE (.yaml, .json or .toml; default: YAML on stdout)",
    )

    sweep_parser = commands.add_parser(
        "sweep", help="run a grid of generators × sizes × seeds × objectives × methods"
    )
    sweep_parser.add_argument("file", help="sweep file (.yaml, .json or .toml)")
    sweep_parser.add_argument(
        "--workers", type=_whole_number(1), metavar="N", help="local processes (default: CPUs)"
    )
    sweep_parser.add_argument(
        "--scheduler", metavar="tcp://HOST:PORT", help="run on this Dask scheduler instead"
    )
    sweep_parser.add_argument(
        "--scheduler-timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="seconds to wait for the scheduler (default 10)",
    )
    sweep_parser.add_argument(
        "--out", metavar="FILE", help="results file (.csv or .parquet) instead of the sweep's"
    )
    sweep_parser.add_argument(
        "--dry-run", action="store_true", help="count the tasks and those already done; run none"
    )


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


@contextlib.contextmanager
def _plugins(args: argparse.Namespace) -> Iterator[None]:
    """Load the ``--plugin`` functions and register them for this command only."""
    with registered([load_plugin(target) for target in getattr(args, "plugin", [])]):
        yield


def _constraints(args: argparse.Namespace) -> list[Any]:
    """The ``--constraint`` options, parsed (checked when the solve binds them)."""
    return [parse_constraint_text(text) for text in getattr(args, "constraint", [])]


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
    if "stable" in result.details:
        _print_stability(console, result.details)
    if result.details.get("constraints_added"):
        console.print(f"constraints {', '.join(result.details['constraints_added'])}")
    if result.details.get("infeasible_constraints"):
        rows = result.details["infeasible_constraints"]
        more = f", ... ({len(rows)} in all)" if len(rows) > 12 else ""
        console.print(f"infeasible subsystem: {', '.join(rows[:12])}{more}")
    if "error" in result.details:
        console.print(f"error      {result.details['error']}")


def _print_stability(console: Console, details: dict[str, Any]) -> None:
    rational = "yes" if details["individually_rational"] else "no"
    verdict = {True: "yes", False: "no", None: "undecided"}[details["stable"]]
    if details.get("blocking_coalition"):
        verdict += f", blocked by {{{', '.join(details['blocking_coalition'])}}}"
    console.print(f"stable     {verdict}  (individually rational: {rational})")


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
        if r.details.get("agrees") is None and r.details.get("ratio_to_exact") is not None:
            agrees = f"{r.details['ratio_to_exact']:.4g}× best"
        status = str(r.status)
        if r.details.get("applicable") is False:
            status = "n/a"
            notes.append(f"{r.method}: {r.details['error']}")
        elif "error" in r.details:
            notes.append(f"{r.method}: {r.details['error']}")
        if r.details.get("ratio_to_exact") is not None and r.details.get("agrees") is not True:
            notes.append(f"{r.method}: {r.details['ratio_to_exact']:.6g} of the best exact value")
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
        load_instance(args.file, args.format),
        args.objective,
        args.method,
        constraints=_constraints(args),
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
    if args.objective == ALL_OBJECTIVES:
        return _compare_all_command(args, console)
    results = compare(
        load_instance(args.file, args.format),
        args.objective,
        args.method,
        constraints=_constraints(args),
        time_limit=args.time_limit,
        mip_gap=args.mip_gap,
        threads=args.threads,
        **parse_params(args.param),
    )
    params = " ".join(args.param + [f"+{c}" for c in args.constraint])
    return _emit_comparison(
        args,
        results,
        lambda: _print_comparison(console, results, f"on {args.file} {params}".rstrip()),
    )


def _compare_all_command(args: argparse.Namespace, console: Console) -> int:
    if args.method:
        raise ParameterError("--method", "cannot be combined with --objective all")
    results = compare_all(
        load_instance(args.file, args.format),
        constraints=_constraints(args),
        time_limit=args.time_limit,
        mip_gap=args.mip_gap,
        threads=args.threads,
        **parse_params(args.param),
    )
    given = " ".join(args.param + [f"+{c}" for c in args.constraint])
    return _emit_comparison(
        args,
        results,
        lambda: _print_all_comparison(console, results, f"{args.file} {given}".rstrip()),
    )


def _emit_comparison(
    args: argparse.Namespace, results: list[Result], print_table: Callable[[], None]
) -> int:
    """Write ``--out``, print JSON or the table; exit 1 when exact methods disagree."""
    text = json.dumps([r.to_dict() for r in results], indent=2, allow_nan=False)
    if args.out:
        write_text_atomic(args.out, text + "\n")
    if args.json:
        print(text)
    else:
        print_table()
    disagree = any(r.details.get("agrees") is False for r in results)
    return EXIT_NO_SOLUTION if disagree else EXIT_OK


_METRIC_COLUMNS = (
    ("welfare", "welfare"),
    ("min utility", "min_utility"),
    ("gap", "utility_gap"),
    ("Gini", "gini"),
    ("envy-free", "envy_free"),
    ("price of fairness", "price_of_fairness"),
)


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:.4g}"
    return str(value)


def _print_all_comparison(console: Console, results: list[Result], header: str) -> None:
    """One table over every objective: value and the fairness metrics of each solution."""
    console = Console(file=console.file, width=max(console.width, 150), highlight=False)
    console.print(f"[bold]every objective[/] on {header}")
    table = Table()
    table.add_column("objective")
    table.add_column("method")
    table.add_column("value", justify="right")
    for title, _ in _METRIC_COLUMNS:
        table.add_column(title, justify="right")
    table.add_column("time (s)", justify="right")
    table.add_column("agrees")
    notes = []
    for r in results:
        ran = r.details.get("applicable") is not False
        if not ran or "error" in r.details:
            notes.append(f"{r.objective} · {r.method}: {r.details['error']}")
        metrics = [
            _cell(r.details.get(key) if r.value is not None else None) for _, key in _METRIC_COLUMNS
        ]
        if r.value is not None and r.details.get("welfare") is None and r.objective == "welfare":
            metrics[0] = _cell(r.value)
        table.add_row(
            r.objective,
            r.method,
            _number(r.value) if ran else "n/a",
            *metrics,
            f"{r.wall_time:.4f}" if ran else "—",
            {True: "✓", False: "✗", None: "—"}[r.details.get("agrees")],
        )
    console.print(table)
    for note in notes:
        console.print(f"  {note}", style="dim")
    if any(r.details.get("agrees") is False for r in results):
        console.print("[bold red]methods of an objective disagree[/]")


def _validate_command(args: argparse.Namespace, console: Console) -> int:
    instance = load_instance(args.file, args.format)
    bound = bind_constraints(instance)  # names, kinds and parameters of its constraints
    extra = f"; constraints: {', '.join(bound.labels)}" if bound else ""
    console.print(f"{args.file}: OK ({instance.describe()}{extra})")
    return EXIT_OK


def _constraints_command(args: argparse.Namespace, console: Console) -> int:
    for row in describe_constraints():
        if "error" in row:
            console.print(
                f"[bold]{row['name']}[/] ({row['origin']}) — cannot be loaded: {row['error']}"
            )
            continue
        fits = " or ".join(row["kinds"]) if row["kinds"] else "any kind"
        if row["objectives"]:
            fits += f"; objective {' or '.join(row['objectives'])}"
        console.print(f"[bold]{row['name']}[/] ({row['origin']}; {fits}) — {row['summary']}")
        console.print(f"  parameters: {', '.join(row['parameters']) or 'none'}")
    return EXIT_OK


def _convert_command(args: argparse.Namespace, console: Console) -> int:
    _check_out_path(args.output)
    instance = load_instance(args.input, args.source_format)
    save_instance(instance, args.output, args.target_format)
    console.print(f"{args.output}: written ({instance.describe()})")
    return EXIT_OK


def _progress_bar(
    title: str, console: Console, *, detail: bool = False, transient: bool = False
) -> Progress:
    """The rich progress bar of long commands: done/total, elapsed time and ETA.

    ``detail`` adds the task's description (what runs now) after the ETA.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [
        SpinnerColumn(),
        TextColumn(f"[bold]{title}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    ]
    if detail:
        columns.append(TextColumn("{task.description}"))
    return Progress(*columns, console=console, transient=transient)


def _experiment_command(args: argparse.Namespace, console: Console) -> int:
    from fairmas.experiments import trust_csg

    settings = trust_csg.Settings(
        agents=trust_csg.parse_agents(args.agents),
        trust=tuple(args.trust or trust_csg.TRUST_BANDS),
        seeds=args.seeds,
        density=args.density,
        exact_max=args.exact_max,
        uct_iterations=args.uct_iterations,
    )
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ParameterError("--out", f"{args.out} exists and is not a directory")
    if not out.parent.is_dir():
        raise ParameterError("--out", f"directory {str(out.parent)!r} does not exist")
    out.mkdir(exist_ok=True)
    with _progress_bar("trust-csg", Console(stderr=True), detail=True, transient=True) as progress:
        task = progress.add_task("starting", total=settings.runs)
        rows, figures = trust_csg.run(
            settings,
            out,
            progress=lambda text: progress.update(task, description=text),
            advance=lambda: progress.advance(task),
        )
    table = Table(title=f"trust-csg: {settings.runs} instances")
    for column in ("trust", "|A|", "method", "welfare (trust-utility)", "time (s)"):
        table.add_column(column, justify="right" if column != "method" else "left")
    for line in trust_csg.summary(rows):
        table.add_row(line[0], str(line[1]), *line[2:])
    console.print(table)
    agree = trust_csg.exact_methods_agree(rows)
    console.print(f"DP and ODP-IP agree on every instance: {'yes' if agree else 'NO'}")
    console.print(f"wrote {out / 'trust_csg.csv'} and {', '.join(p.name for p in figures)}")
    return EXIT_OK if agree else EXIT_NO_SOLUTION


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
            f"[bold]{objective.name}[/] ({' or '.join(objective.kinds)}; {objective.sense}) — "
            f"{objective.summary}"
        )
        console.print(f"  parameters: {parameters or 'none'}")
        width = max(len(m.name) for m in objective.methods.values())
        for m in objective.methods.values():
            kind = "exact" if m.exact else "heuristic"
            console.print(f"  {m.name:<{width}} {kind:<9} {m.summary}")
    return EXIT_OK


def _check_command(args: argparse.Namespace, console: Console) -> int:
    instance = load_instance(args.file)
    if instance.kind != TrustNetwork.kind:
        raise InstanceError(
            args.file, "kind", f"fairmas check needs a trust_network instance, not {instance.kind}"
        )
    given = read_partition(args.partition, instance.agents)
    checked = check_partition(
        instance, given.coalitions, **{**given.settings, **parse_params(args.param)}
    )
    if args.json:
        print(json.dumps(to_jsonable(checked), indent=2, allow_nan=False))
    else:
        _print_check(console, args.partition, args.file, checked)
    return EXIT_OK if checked["stable"] else EXIT_NO_SOLUTION


def _print_check(console: Console, partition: str, file: str, checked: dict[str, Any]) -> None:
    coalitions = checked["coalitions"]
    console.print(
        f"[bold]{partition}[/] on {file} · relation {checked['relation']} · "
        f"{len(coalitions)} coalition(s)"
    )
    console.print(
        f"welfare    {_number(checked['welfare'])}  (cut {_number(checked['cut_weight'])} "
        f"of {_number(checked['total_weight'])})"
    )
    _print_solution(console, {"coalitions": coalitions})
    utilities = list(checked["utilities"].items())
    more = f", ... ({len(utilities)} agents; --json lists all)" if len(utilities) > 20 else ""
    listed = ", ".join(f"{name} {_number(u)}" for name, u in utilities[:20])
    console.print(f"utilities  {listed}{more}")
    if checked["individually_rational"]:
        console.print("individually rational: yes")
    else:
        alone = ", ".join(checked["irrational_agents"])
        console.print(f"individually rational: no, better off alone: {alone}")
    search = checked["stability_search"]
    how = f"{search['method']} search" if search.get("method") else "search skipped"
    if checked["stable"] is True:
        console.print(f"stable: yes, no coalition blocks ({how})")
    elif checked["stable"] is False:
        blocking = ", ".join(checked["blocking_coalition"])
        console.print(f"stable: no, blocked by {{{blocking}}} ({how})")
    else:
        note = f": {search['note']}" if search.get("note") else ""
        console.print(f"stable: undecided ({how}{note})")


def _report_command(args: argparse.Namespace, console: Console) -> int:
    from fairmas.report import render_report
    from fairmas.report.inputs import read_inputs

    _check_out_path(args.out)
    inputs = read_inputs(args.results, args.instance)
    write_text_atomic(args.out, render_report(inputs, args.title))
    rows = sum(len(sweep.rows) for sweep in inputs.sweeps)
    console.print(
        f"{args.out}: written ({len(inputs.results)} Result(s), {rows} sweep row(s), "
        f"{len(inputs.instances)} instance file(s))"
    )
    return EXIT_OK


# ----------------------------------------------------------------------------- generate, sweep


def _generate_command(args: argparse.Namespace, console: Console) -> int:
    from fairmas.models.io import WRITABLE_FORMATS, document_text, write_document
    from fairmas.scenarios import get_scenario

    scenario = get_scenario(args.scenario)
    if args.out is not None:
        _check_out_path(args.out)
        suffix = Path(args.out).suffix.lower()
        if suffix not in WRITABLE_FORMATS:
            raise ParameterError(
                "--out", f"cannot write file type {suffix or '(none)'!r}; use .yaml, .json or .toml"
            )
    instance = scenario(args.size, args.seed, **parse_params(args.param))
    command = " ".join(
        ["fairmas generate", scenario.name, f"--size {args.size}", f"--seed {args.seed}"]
        + [f"--param {pair}" for pair in args.param]
    )
    comment = f"{scenario.name}: {scenario.summary}\nmade by: {command}"
    if args.out is None:
        sys.stdout.write(document_text(instance.to_document(), "yaml", comment))
        return EXIT_OK
    write_document(instance.to_document(), args.out, comment=comment)
    console.print(f"{args.out}: written ({instance.describe()})")
    return EXIT_OK


def _sweep_command(args: argparse.Namespace, console: Console) -> int:
    from fairmas.sweeps import load_sweep, make_executor, read_results, run_sweep
    from fairmas.sweeps.store import check_results_path

    sweep = load_sweep(args.file)
    out = check_results_path(args.out, "--out") if args.out else sweep.out
    if args.scheduler_timeout <= 0:
        raise ParameterError("--scheduler-timeout", f"must be > 0 (got {args.scheduler_timeout})")
    if args.dry_run:
        done_ids = {r["task_id"] for r in read_results(out)} if out.exists() else set()
        done = sum(task.task_id in done_ids for task in sweep.tasks)
        console.print(
            f"sweep {sweep.name}: {len(sweep.tasks)} tasks, {done} already in {out}, "
            f"{len(sweep.tasks) - done} to run"
        )
        for pair in sweep.skipped_pairs:
            console.print(f"  skipped (kind does not fit): {pair}", style="dim")
        return EXIT_OK
    executor = make_executor(args.workers, args.scheduler, args.scheduler_timeout)
    progress = _SweepProgress(console, sweep.name, out)
    try:
        with progress:
            report = run_sweep(
                sweep, out, executor=executor, on_start=progress.start, on_row=progress.advance
            )
    except KeyboardInterrupt:
        sys.stderr.write(
            f"fairmas: interrupted; the finished rows are in {out}: run the same command "
            "again to finish the rest\n"
        )
        return EXIT_INTERRUPTED
    ids = {task.task_id for task in sweep.tasks}
    _print_sweep_summary(console, [r for r in read_results(out) if r["task_id"] in ids])
    console.print(
        f"{report.ran} new rows in {report.out}; {report.already_done + report.ran} of "
        f"{report.total} tasks done"
    )
    if report.lost:
        console.print(
            f"[bold red]{report.lost} tasks lost[/] (no row: {'; '.join(report.lost_reasons)}); "
            "run the same command again to retry them"
        )
        return EXIT_NO_SOLUTION
    return EXIT_OK


class _SweepProgress:
    """A rich progress bar on a terminal; otherwise a plain line at every tenth of the tasks."""

    def __init__(self, console: Console, name: str, out: Path) -> None:
        self.console, self.name, self.out = console, name, out
        self.done = 0
        self.total = 0
        self._bar: Any = None
        self._task: Any = None
        self._started = 0.0

    def __enter__(self) -> _SweepProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def start(self, to_run: int, already_done: int, where: str) -> None:
        import time

        self.total = to_run
        self._started = time.perf_counter()
        self.console.print(
            f"sweep {self.name}: {to_run + already_done} tasks, {already_done} already in "
            f"{self.out}, {to_run} to run on {where}"
        )
        if to_run and self.console.is_terminal:
            self._bar = _progress_bar(self.name, self.console)
            self._bar.start()
            self._task = self._bar.add_task(self.name, total=to_run)

    def advance(self, row: dict[str, Any]) -> None:
        import time

        self.done += 1
        if self._bar is not None:
            self._bar.advance(self._task)
            return
        step = max(1, self.total // 10)
        if self.done % step == 0 or self.done == self.total:
            elapsed = time.perf_counter() - self._started
            left = elapsed / self.done * (self.total - self.done)
            self.console.print(
                f"{self.done}/{self.total} tasks done ({100 * self.done // self.total}%), "
                f"about {left:.0f} s left"
            )


def _print_sweep_summary(console: Console, rows: list[dict[str, Any]]) -> None:
    """One line per generator × objective × method: rows by status, median time."""
    import statistics

    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["generator"], row["objective"], row["method"]), []).append(row)
    table = Table()
    for column in ("generator", "objective", "method", "rows", "statuses", "median time (s)"):
        table.add_column(
            column, justify="right" if column in ("rows", "median time (s)") else "left"
        )
    for (generator, objective, method), members in groups.items():
        statuses: dict[str, int] = {}
        for row in members:
            statuses[row["status"]] = statuses.get(row["status"], 0) + 1
        ran = [row["wall_time"] for row in members if row["status"] != "error"]
        table.add_row(
            generator,
            objective,
            method,
            str(len(members)),
            ", ".join(f"{status} {count}" for status, count in statuses.items()),
            f"{statistics.median(ran):.4f}" if ran else "—",
        )
    Console(file=console.file, width=max(console.width, 120), highlight=False).print(table)


_COMMANDS = {
    "solve": _solve_command,
    "compare": _compare_command,
    "validate": _validate_command,
    "constraints": _constraints_command,
    "schema": _schema_command,
    "methods": _methods_command,
    "check": _check_command,
    "convert": _convert_command,
    "experiment": _experiment_command,
    "report": _report_command,
    "generate": _generate_command,
    "sweep": _sweep_command,
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
        with _plugins(args):  # --plugin functions are constraints for this command only
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
