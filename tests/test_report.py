"""fairmas report: the page's sections and content, self-containment, escaping, sweep tables."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairmas.report import SECTION_IDS, build_report
from fairmas.report.comparison import sweep_agreement
from fairmas.report.figures import lorenz_curve
from fairmas.report.inputs import SWEEP_COLUMNS, read_results_file
from fairmas.result import Result, Status
from tests.report_helpers import SWEEP_CSV


def section(page: str, section_id: str) -> str:
    """The HTML of one ``<section id=...>`` of the page."""
    match = re.search(rf'<section id="{section_id}">(.*?)</section>', page, flags=re.S)
    assert match, f"no section {section_id}"
    return match.group(1)


@pytest.fixture(scope="module")
def full_page(report_inputs, tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("report") / "report.html"
    from fairmas.cli import main

    args = ["report", *map(str, report_inputs.results), str(report_inputs.sweep), "--out", str(out)]
    for instance in report_inputs.instances:
        args += ["--instance", str(instance)]
    assert main([*args, "--title", "Every shape <&>"]) == 0
    return out.read_text(encoding="utf-8")


def test_every_section_in_order_with_content(full_page: str) -> None:
    ids = re.findall(r'<section id="([a-z]+)">', full_page)
    assert ids == [*SECTION_IDS, "inputs"]
    for section_id in SECTION_IDS:
        assert 'class="empty"' not in section(full_page, section_id), section_id
    assert "<title>Every shape &lt;&amp;&gt;</title>" in full_page


def test_comparison_tables(full_page: str) -> None:
    body = section(full_page, "comparison")
    for objective in (
        "max_min",
        "leximin",
        "nash",
        "min_gap",
        "welfare",
        "min_cut_partition",
        "csg",
        "equilibrium",
        "social_optimum",
        "alignment",
        "q_learning",
    ):
        assert f"<h3>{objective} on " in body, objective
    for header in (
        "welfare",
        "min utility",
        "utility gap",
        "Gini",
        "envy-free",
        "price of fairness",
        "budget surplus",
        "coalitions",
        "stable",
    ):
        assert f"<th>{header}</th>" in body, header
    assert re.search(r"every objective on \S*lab_equipment.yaml", body)
    assert "✓" in body
    assert "✗" not in body
    assert "needs divisible resources only" in body  # a method that does not apply
    # the sweep summary: agreement per task and the row of a method that could not run
    assert "csg in demo" in body
    assert "max_min in demo" in body
    assert "3 of 3" in body
    assert "1 error" in body


def test_figures_are_inline_and_decode(full_page: str) -> None:
    sources = re.findall(r'<img src="([^"]+)"', full_page)
    assert len(sources) >= 15
    for uri in sources:
        kind, _, data = uri.partition(";base64,")
        assert kind in ("data:image/svg+xml", "data:image/png"), kind
        raw = base64.b64decode(data, validate=True)
        assert raw.startswith(b"\x89PNG") or b"<svg" in raw[:400]


def test_self_contained(full_page: str) -> None:
    assert "<script" not in full_page
    assert not re.search(r'(src|href)="(?!data:|#)', full_page)
    assert "url(" not in full_page
    assert "Content-Security-Policy" in full_page


def test_figure_sections(full_page: str) -> None:
    coalitions = section(full_page, "coalitions")
    assert "Edge width: trust ρ_ij + ρ_ji" in coalitions  # drawn on the trust network
    assert "Edge width: pair weight w_ij" in coalitions  # drawn on the graph game
    assert "Drawn as groups" in coalitions  # the single solve Result, no instance matched
    assert "1. prof_li, dr_wang, student_zhao, student_sun" in coalitions
    allocation = section(full_page, "allocation")
    assert "share of each resource&#x27;s supply" in allocation  # lab_equipment with --instance
    assert "share of what was allocated" in allocation  # shared_compute without
    assert "winning bids: bid1 (telco_a: band_1)" in allocation
    assert "projects: park, library, bike_lanes" in allocation
    assert "Lorenz" not in section(full_page, "utilities")  # titles are inside the SVGs
    runtime = section(full_page, "runtime")
    assert runtime.count("<img") == 2  # csg and max_min of the sweep
    assert "1 run(s) with status error" in runtime
    games = section(full_page, "games")
    for text in (
        "price of anarchy",
        "pure Nash equilibria found by equilibrium: cpsat",
        "transfers that make the social optimum an equilibrium",
        "learning curve",
    ):
        assert text in games, text


def test_inputs_list_names_matches(full_page: str) -> None:
    inputs = section(full_page, "inputs")
    assert "sweep table, 46 row(s)" in inputs
    assert re.search(
        r"instance \S*research_lab.yaml: trust_network, 8 agents.*?matched (\d+)", inputs
    )
    matched = dict(re.findall(r"instance \S*/([a-z_]+\.yaml): [^;]*; matched (\d+) Result", inputs))
    assert int(matched["research_lab.yaml"]) == 7  # every method of the k = 3 cut
    assert int(matched["lab_equipment.yaml"]) >= 10


def test_names_are_escaped_and_drawn_as_written(tmp_path: Path) -> None:
    evil = ["<script>alert(1)</script>", "a&b", "$x$", 'q"uote', "plain"]
    result = Result(
        "max_min",
        "milp",
        Status.OPTIMAL,
        1.0,
        1.0,
        0.0,
        0.01,
        {
            "allocation": {name: {"<gpu>": 1} for name in evil},
            "utilities": dict.fromkeys(evil, 1.0),
        },
        {"error": "<b>bold</b> & more"},
    )
    partition = Result(
        "csg", "dp", Status.OPTIMAL, 2.0, 2.0, 0.0, 0.01, {"coalitions": [evil[:2], evil[2:]]}
    )
    path = tmp_path / "evil.json"
    path.write_text(json.dumps([result.to_dict(), partition.to_dict()]))
    page = build_report([path], title="<i>t</i>")
    assert "<script>" not in page
    assert "<b>bold" not in page
    assert "<i>t</i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in page
    svgs = [
        base64.b64decode(uri).decode()
        for uri in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)
    ]
    assert any("$x$" in svg for svg in svgs)  # mathtext off: the name as written
    assert all("<script>" not in svg for svg in svgs)


def test_unknown_objective_gets_the_generic_table(tmp_path: Path) -> None:
    plugin = Result(
        "my_plugin_objective",
        "magic",
        Status.FEASIBLE,
        7.5,
        None,
        None,
        0.2,
        {"something": [1, 2]},
        {"note": "from a plug-in"},
    )
    path = tmp_path / "plugin.json"
    path.write_text(plugin.to_json())
    page = build_report([path])
    body = section(page, "comparison")
    assert "<h3>my_plugin_objective on " in body
    assert "<td>magic</td>" in body
    assert '<td class="num">7.5</td>' in body
    for section_id in ("utilities", "allocation", "coalitions", "runtime", "games"):
        assert 'class="empty"' in section(page, section_id)


def test_single_results_of_one_instance_share_a_table(tmp_path: Path, instances: Path) -> None:
    from fairmas.api import solve

    net = instances / "six_agents_two_teams.yaml"
    paths = []
    for method in ("noi", "milp", "greedy_split"):
        paths.append(tmp_path / f"{method}.json")
        paths[-1].write_text(solve(net, "min_cut_partition", method).to_json())
    page = build_report(paths, [net])
    body = section(page, "comparison")
    assert body.count("<h3>min_cut_partition on ") == 1
    assert body.count("✓") == 3  # agreement marked across the three files
    assert "all 3 methods that ran agree on 9.3" in body


def test_parquet_file_and_dataset_directory(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    import pandas as pd

    frame = pd.read_csv(SWEEP_CSV, dtype=str, keep_default_na=False)
    frame["size"] = frame["size"].astype(int)
    frame["wall_time"] = pd.to_numeric(frame["wall_time"])
    single = tmp_path / "sweep.parquet"
    frame.to_parquet(single)
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    frame.iloc[:20].to_parquet(dataset / "part-0.parquet")
    frame.iloc[20:].to_parquet(dataset / "part-1.parquet")
    from_csv = read_results_file(SWEEP_CSV).rows
    for path in (single, dataset):
        rows = read_results_file(path).rows
        assert list(rows.columns) == list(from_csv.columns)
        assert rows["wall_time"].equals(from_csv["wall_time"])
        assert rows["details"].tolist() == from_csv["details"].tolist()
    page = build_report([dataset])
    assert section(page, "runtime").count("<img") == 2


def test_sweep_agreement_finds_a_wrong_value(tmp_path: Path) -> None:
    rows = read_results_file(SWEEP_CSV).rows.copy()
    wrong = rows.index[(rows["method"] == "dp") & (rows["size"] == 8)][0]
    rows.loc[wrong, "value"] = rows.loc[wrong, "value"] * 0.99  # below the proven optimum
    verdict = sweep_agreement(rows)
    assert verdict[wrong] is False
    assert verdict.drop(index=wrong).dropna().eq(True).sum() >= 40
    errors = rows.index[rows["status"] == "error"]
    assert verdict[errors].isna().all()


def test_csv_with_only_the_required_columns(tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    path.write_text(
        "generator,size,seed,objective,method,status,value,wall_time\n"
        "g,10,0,csg,dp,optimal,3.5,0.25\n"
        "g,20,0,csg,dp,max_time_limit,,2.5\n"
    )
    page = build_report([path])
    assert section(page, "runtime").count("<img") == 1
    assert "1 max_time_limit" in section(page, "comparison")


def test_fixture_has_the_sweep_columns() -> None:
    header = SWEEP_CSV.read_text().splitlines()[0].split(",")
    assert tuple(header) == SWEEP_COLUMNS


@settings(max_examples=25)
@given(st.lists(st.floats(0, 1e6, allow_nan=False, allow_infinity=False), min_size=1, max_size=30))
def test_lorenz_area_is_the_gini_coefficient(values: list[float]) -> None:
    utilities = np.array(values)
    x, y = lorenz_curve(utilities)
    assert y[0] == 0
    assert x[-1] == 1
    assert np.all(np.diff(y) >= -1e-12)
    if utilities.sum() > 0:
        assert y[-1] == pytest.approx(1.0)
        area = np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2)
        n, mean = len(utilities), utilities.mean()
        gini = np.abs(utilities[:, None] - utilities[None, :]).sum() / (2 * n * n * mean)
        assert 1 - 2 * area == pytest.approx(gini, abs=1e-9)


NAMES = st.sampled_from(["a", "b", "<c>", "d&e", "$f$", ""])
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(-1e3, 1e3), NAMES)
JSON_ANY = st.recursive(
    JSON_LEAF,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(NAMES, inner, max_size=4)),
    max_leaves=12,
)
SHAPED_SOLUTION = st.fixed_dictionaries(
    {},
    optional={
        "coalitions": st.one_of(st.lists(st.lists(NAMES, max_size=3), max_size=3), JSON_ANY),
        "allocation": st.one_of(
            st.dictionaries(NAMES, st.dictionaries(NAMES, JSON_LEAF, max_size=3), max_size=3),
            JSON_ANY,
        ),
        "utilities": st.one_of(st.dictionaries(NAMES, JSON_LEAF, max_size=4), JSON_ANY),
        "payments": st.dictionaries(NAMES, JSON_LEAF, max_size=3),
        "projects": st.one_of(st.lists(NAMES, max_size=3), JSON_ANY),
        "winning_bids": st.lists(st.dictionaries(NAMES, JSON_ANY, max_size=3), max_size=2),
        "profile": st.one_of(st.dictionaries(NAMES, NAMES, max_size=3), JSON_ANY),
        "transfers": st.dictionaries(NAMES, JSON_LEAF, max_size=3),
    },
)
SHAPED_DETAILS = st.fixed_dictionaries(
    {},
    optional={
        "utilities": JSON_ANY,
        "agent_values": st.one_of(st.dictionaries(NAMES, JSON_LEAF, max_size=3), JSON_ANY),
        "learning_curve": st.one_of(
            st.fixed_dictionaries({"episode": st.just([1, 2]), "welfare": st.just([0.5, 1.5])}),
            JSON_ANY,
        ),
        "equilibria": JSON_ANY,
        "gini": JSON_LEAF,
        "agrees": st.sampled_from([True, False, None]),
        "ratio_to_exact": JSON_LEAF,
        "error": NAMES,
        "stable": JSON_LEAF,
    },
)


@settings(max_examples=20)
@given(
    objective=st.sampled_from(["max_min", "csg", "equilibrium", "welfare", "plugin<x>"]),
    method=st.sampled_from(["milp", "dp", "brute_force", "<m>"]),
    status=st.sampled_from([str(s) for s in Status]),
    value=st.one_of(st.none(), st.floats(-1e6, 1e6)),
    solution=SHAPED_SOLUTION,
    details=SHAPED_DETAILS,
)
def test_any_valid_result_makes_a_page(objective, method, status, value, solution, details):
    """Whatever a (plug-in's) Result holds in solution and details, the page is built."""
    import tempfile

    result = Result(objective, method, Status(status), value, None, None, 0.5, solution, details)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.json"
        path.write_text(json.dumps([result.to_dict(), result.to_dict()]))
        page = build_report([path])
    assert re.findall(r'<section id="([a-z]+)">', page) == [*SECTION_IDS, "inputs"]


def test_an_unproved_social_optimum_is_marked_in_the_game_tables(tmp_path: Path) -> None:
    details = {
        "which": "best",
        "pure_equilibrium_exists": True,
        "best_equilibrium_welfare": 4430.0,
        "social_optimum": 4610.0,
        "social_optimum_status": "max_time_limit",
        "social_optimum_bound": 4613.86,
    }
    stopped = Result(
        "equilibrium", "search", Status.MAX_TIME_LIMIT, 4430.0, 4613.86, 0.0415, 60.0,
        {"profile": {"p0": "a1"}}, details,
    )  # fmt: skip
    proved = Result(
        "equilibrium", "search", Status.MAX_TIME_LIMIT, 4430.0, 4612.0, 0.0411, 60.0,
        {"profile": {"p0": "a1"}},
        {**details, "social_optimum": 4612.0, "social_optimum_status": "optimal"},
    )  # fmt: skip
    path = tmp_path / "games.json"
    path.write_text(json.dumps([stopped.to_dict(), proved.to_dict()]))
    page = build_report([path])
    for section_id in ("comparison", "games"):
        body = section(page, section_id)
        assert "4610 (not proved, ≤ 4613.86)" in body, section_id
        assert "4612 (not proved" not in body, section_id
