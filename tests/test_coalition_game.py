"""coalition_game instances: tables, bitmasks, generators, graph games, ODP-IP files."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest
import yaml

import fairmas
from fairmas.models import CoalitionGame, load_instance, save_instance
from fairmas.models.coalition_game import graph_game_values
from fairmas.models.generators import DISTRIBUTIONS, SCALE, generate_values, popcounts
from fairmas.models.odpip import read_odpip, write_odpip
from fairmas.models.weighted_graph import WeightedGraph
from tests.oracles import graph_game_table

README_LINES = "0\n30\n40\n50\n25\n60\n55\n90\n45\n80\n70\n120\n80\n100\n115\n140\n"

TABLE = """\
kind: coalition_game
agents: [a, b, c]
values:
  - {coalition: [a], value: 1}
  - {coalition: [b, a], value: 3.5}
  - {coalition: 4, value: -2}
"""


def test_table_by_names_and_bitmasks(tmp_path: Path) -> None:
    path = tmp_path / "game.yaml"
    path.write_text(TABLE)
    game = fairmas.load(path)
    assert isinstance(game, CoalitionGame)
    assert game.values().tolist() == [0, 1, 0, 3.5, -2, 0, 0, 0]
    assert not game.values().flags.writeable
    assert game.describe() == "coalition_game, 3 agents, table of 3 non-zero values"
    assert game.welfare([0, 0, 1]) == 1.5
    assert game.coalitions([0, 0, 1]) == [["a", "b"], ["c"]]


def test_complete_table(tmp_path: Path) -> None:
    rows = [{"coalition": mask, "value": float(mask)} for mask in range(1, 8)]
    document = {"kind": "coalition_game", "agents": ["x", "y", "z"], "values": rows}
    document["complete"] = True
    game = CoalitionGame.from_document(document)
    assert game.values().tolist() == list(range(8))


def test_graph_game_document_and_table() -> None:
    game = CoalitionGame.from_document(
        {
            "kind": "coalition_game",
            "agents": ["a", "b", "c", "d"],
            "graph": [
                {"pair": ["a", "b"], "weight": 2},
                {"pair": ["c", "b"], "weight": -1.5},
                {"pair": ["d", "a"], "weight": 4},
            ],
        }
    )
    assert game.is_graph_game
    pairs = {(0, 1): 2.0, (1, 2): -1.5, (0, 3): 4.0}
    assert np.allclose(game.values(), graph_game_table(4, pairs))
    assert game.welfare([0, 0, 1, 0]) == 6.0


@pytest.mark.parametrize("n", [1, 2, 5, 9])
def test_graph_game_values_match_pair_by_pair(n: int) -> None:
    rng = np.random.default_rng(n)
    u, v = np.triu_indices(n, 1)
    keep = rng.random(u.size) < 0.6
    w = rng.normal(size=keep.sum())
    graph = WeightedGraph.from_pairs([f"a{i}" for i in range(n)], u[keep], v[keep], w)
    assert np.allclose(graph_game_values(graph), graph_game_table(n, graph.pair_weights()))


@pytest.mark.parametrize("distribution", list(DISTRIBUTIONS))
def test_generators_are_seeded_and_follow_their_formula(distribution: str) -> None:
    n = 8
    values = generate_values(distribution, n, seed=11)
    again = generate_values(distribution, n, seed=11)
    other = generate_values(distribution, n, seed=12)
    assert np.array_equal(values, again)
    assert not np.array_equal(values, other)
    assert values[0] == 0
    assert np.array_equal(values, np.round(values))  # integers, as in the reference code
    sizes = popcounts(n)[1:].astype(float)
    per_agent = values[1:] / SCALE / sizes
    assert (values[1:] >= 0).all()
    low, high = {
        "uniform": (0, 1),
        "normal": (9.4, 10.6),
        "modified_uniform": (0, 10 + 50),
        "modified_normal": (9.4, 10.6 + 25.6),
        "beta": (0, 1),
        "agent_based_normal": (9.3, 10.7),
    }.get(distribution, (0, np.inf))
    assert per_agent.min() >= low - 1e-9
    assert per_agent.max() <= high + 1e-9


def test_ndcs_is_normal_around_the_size() -> None:
    values = generate_values("ndcs", 14, seed=1)[1:] / SCALE
    sizes = popcounts(14)[1:]
    assert (values > 0).all()
    seven = values[sizes == 7]
    assert abs(seven.mean() - 7) < 0.05
    assert abs(seven.std() - 7**0.5) < 0.05


def test_generator_document(tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    path.write_text(
        json.dumps(
            {
                "kind": "coalition_game",
                "agents": [f"a{i}" for i in range(6)],
                "generator": {"distribution": "modified_uniform", "seed": 4},
            }
        )
    )
    game = fairmas.load(path)
    assert game.describe() == "coalition_game, 6 agents, generated modified_uniform (seed 4)"
    assert np.array_equal(game.values(), generate_values("modified_uniform", 6, 4))
    assert game.to_document()["generator"] == {"distribution": "modified_uniform", "seed": 4}


def test_odpip_readme_file(tmp_path: Path) -> None:
    path = tmp_path / "values.txt"
    path.write_text(README_LINES.replace("\n", "  \n"))  # trailing blanks as in the README
    game = read_odpip(path)
    assert game.agents == ("a1", "a2", "a3", "a4")
    assert game.values()[5] == 60  # line 6 = bitmask 0101 = {a1, a3}
    result = fairmas.solve(load_instance(path, "odpip"), "csg")
    assert result.value == 150
    assert result.solution["coalitions"] == [["a1"], ["a2"], ["a3", "a4"]]


def test_odpip_reads_java_doubles(tmp_path: Path) -> None:
    path = tmp_path / "java.txt"
    path.write_text("0.0\r\n1.5E8\r\n2.0E-3\r\n123456789.0\r\n")
    assert read_odpip(path).values().tolist() == [0.0, 1.5e8, 2e-3, 123456789.0]


@pytest.mark.parametrize("distribution", ["uniform", "ndcs", "agent_based_normal"])
def test_odpip_round_trip_is_exact(tmp_path: Path, distribution: str) -> None:
    game = CoalitionGame.generate(10, distribution, seed=3)
    path = tmp_path / "v.txt"
    write_odpip(game, path)
    assert len(path.read_text().splitlines()) == 1 << 10
    again = read_odpip(path)
    assert np.array_equal(again.values(), game.values())


def test_convert_round_trips_through_every_format(tmp_path: Path, run_cli) -> None:
    source = tmp_path / "game.yaml"
    source.write_text(TABLE)
    odpip = tmp_path / "game.txt"
    assert run_cli("convert", source, odpip, "--to", "odpip").code == 0
    back = tmp_path / "back.json"
    assert run_cli("convert", odpip, back, "--from", "odpip").code == 0
    assert np.array_equal(fairmas.load(back).values(), fairmas.load(source).values())
    yaml_copy = tmp_path / "copy.yaml"
    assert run_cli("convert", back, yaml_copy).code == 0
    document = yaml.safe_load(yaml_copy.read_text())
    assert document["agents"] == ["a1", "a2", "a3"]
    assert {"coalition": ["a1", "a2"], "value": 3.5} in document["values"]
    run = run_cli("solve", odpip, "--objective", "csg", "--format", "odpip", "--json")
    assert run.code == 0, run.err
    assert json.loads(run.out)["value"] == 3.5 - 2 + 0  # {a1, a2} and {a3}


def test_trust_network_converts_to_its_graph_game(instances: Path) -> None:
    net = fairmas.load(instances / "research_lab.yaml")
    game = CoalitionGame.from_trust_network(net, "trust_utility")
    assert game.is_graph_game
    assert game.n_agents == net.n_agents
    grand = game.values()[-1]
    assert np.isclose(grand, game.graph.total_weight)


def test_graph_game_round_trip(tmp_path: Path) -> None:
    game = CoalitionGame.from_graph(
        WeightedGraph.from_pairs(["p", "q", "r"], [0, 1], [1, 2], [1.0, -2.0])
    )
    path = tmp_path / "graph.yaml"
    save_instance(game, path)
    again = fairmas.load(path)
    assert again.is_graph_game
    assert np.array_equal(again.values(), game.values())


def test_schema_accepts_the_bundled_and_generated_documents(run_cli, instances: Path) -> None:
    run = run_cli("schema", "coalition_game")
    assert run.code == 0
    schema = json.loads(run.out)
    for path in sorted((instances / "coalition_games").glob("*.yaml")):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
    jsonschema.validate(yaml.safe_load(TABLE), schema)


def test_bundled_coalition_games_solve_and_agree(instances: Path) -> None:
    paths = sorted((instances / "coalition_games").glob("*.yaml"))
    assert paths
    for path in paths:
        results = fairmas.compare(path, "csg")
        assert all(r.details["agrees"] is not False for r in results), path


def test_bundled_odpip_file_matches_its_table(instances: Path) -> None:
    folder = instances / "coalition_games"
    table = fairmas.load(folder / "odpip_readme_example.yaml")
    odpip = load_instance(folder / "odpip_readme_example.txt", "odpip")
    assert np.array_equal(table.values(), odpip.values())
    assert fairmas.solve(table, "csg", "milp").value == 150
