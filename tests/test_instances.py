"""Instance files in three formats, the JSON Schema, validation and NetworkX interop."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import fairmas
from fairmas.models.trust_network import TrustNetwork

ALL_BUNDLED = sorted(Path(__file__).resolve().parent.parent.joinpath("instances").iterdir())
BUNDLED = [p for p in ALL_BUNDLED if fairmas.load(p).kind == "trust_network"]

YAML_TEXT = """\
kind: trust_network
agents: [alice, bob, carol]
edges:
  - {from: alice, to: bob, trust: 0.8, utility: 2.0}
  - {from: bob, to: alice, trust: 0.4}
  - {from: bob, to: carol, trust: 1, utility: -1.5}
propagation: {transitivity: product, aggregation: max, hops: 1}
"""
JSON_TEXT = json.dumps(
    {
        "kind": "trust_network",
        "agents": ["alice", "bob", "carol"],
        "edges": [
            {"from": "alice", "to": "bob", "trust": 0.8, "utility": 2.0},
            {"from": "bob", "to": "alice", "trust": 0.4},
            {"from": "bob", "to": "carol", "trust": 1, "utility": -1.5},
        ],
        "propagation": {"transitivity": "product", "aggregation": "max", "hops": 1},
    }
)
TOML_TEXT = """\
kind = "trust_network"
agents = ["alice", "bob", "carol"]
propagation = {transitivity = "product", aggregation = "max", hops = 1}
edges = [
  {from = "alice", to = "bob", trust = 0.8, utility = 2.0},
  {from = "bob", to = "alice", trust = 0.4},
  {from = "bob", to = "carol", trust = 1, utility = -1.5},
]
"""


@pytest.mark.parametrize(
    ("suffix", "text"),
    [(".yaml", YAML_TEXT), (".yml", YAML_TEXT), (".json", JSON_TEXT), (".toml", TOML_TEXT)],
)
def test_three_formats_give_the_same_network(tmp_path: Path, suffix: str, text: str) -> None:
    path = tmp_path / f"net{suffix}"
    path.write_text(text)
    net = fairmas.load(path)
    assert isinstance(net, TrustNetwork)
    assert net.agents == ("alice", "bob", "carol")
    assert net.source.tolist() == [0, 1, 1]
    assert net.target.tolist() == [1, 0, 2]
    assert net.trust.tolist() == [0.8, 0.4, 1.0]
    assert net.utility.tolist() == [2.0, 0.0, -1.5]  # utility defaults to 0, may be negative
    assert net.propagation == fairmas.Propagation("product", "max", 1)
    assert net.origin == str(path)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_instances_are_valid(path: Path, run_cli) -> None:
    run = run_cli("validate", path)
    assert run.code == 0, run.err
    assert run.out.startswith(f"{path}: OK (trust_network")


def test_there_are_three_to_five_bundled_examples_in_every_format() -> None:
    assert 3 <= len(BUNDLED) <= 5
    assert {p.suffix for p in BUNDLED} >= {".yaml", ".json", ".toml"}


def test_schema_is_printed_as_json_schema(run_cli) -> None:
    run = run_cli("schema", "trust_network")
    assert run.code == 0
    schema = json.loads(run.out)
    assert schema["title"] == "TrustNetworkDocument"
    edge = schema["$defs"]["EdgeDocument"]
    assert set(edge["properties"]) == {"from", "to", "trust", "utility"}
    assert edge["properties"]["trust"]["minimum"] == 0.0
    assert edge["properties"]["trust"]["maximum"] == 1.0
    assert set(schema["required"]) == {"kind", "agents"}
    assert schema["additionalProperties"] is False


def test_schema_accepts_what_validation_accepts(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = TrustNetwork.document_model.model_json_schema(by_alias=True)
    jsonschema.validate(json.loads(JSON_TEXT), schema)


def test_networkx_round_trip() -> None:
    net = fairmas.load(BUNDLED[0])
    graph = net.to_networkx()
    assert isinstance(graph, nx.DiGraph)
    assert graph.number_of_nodes() == net.n_agents
    assert graph.number_of_edges() == net.n_edges
    back = TrustNetwork.from_networkx(graph)
    assert back.agents == net.agents
    assert back.propagation == net.propagation
    pairs = {
        (net.agents[s], net.agents[t]): (r, w)
        for s, t, r, w in zip(net.source, net.target, net.trust, net.utility, strict=True)
    }
    back_pairs = {
        (back.agents[s], back.agents[t]): (r, w)
        for s, t, r, w in zip(back.source, back.target, back.trust, back.utility, strict=True)
    }
    assert pairs == back_pairs


def test_networkx_custom_attribute_names_and_undirected_graphs() -> None:
    graph = nx.Graph()
    graph.add_edge(1, 2, rho=0.5, omega=3.0)
    graph.add_node(3)
    net = TrustNetwork.from_networkx(graph, trust="rho", utility="omega")
    assert net.agents == ("1", "2", "3")
    assert sorted(zip(net.source.tolist(), net.target.tolist(), strict=True)) == [(0, 1), (1, 0)]
    assert net.trust.tolist() == [0.5, 0.5]
    assert net.utility.tolist() == [3.0, 3.0]


def test_networkx_missing_trust_is_an_instance_error() -> None:
    graph = nx.DiGraph()
    graph.add_edge("a", "b", weight=1.0)
    with pytest.raises(fairmas.InstanceError, match=r"edges\['a', 'b'\]\.trust: required"):
        TrustNetwork.from_networkx(graph)


def test_to_document_round_trips_through_a_file(tmp_path: Path) -> None:
    net = fairmas.load(BUNDLED[0])
    path = tmp_path / "copy.json"
    path.write_text(json.dumps(net.to_document()))
    again = fairmas.load(path)
    assert again.agents == net.agents
    assert np.array_equal(again.trust, net.trust)
    assert np.array_equal(again.utility, net.utility)


def test_arrays_are_read_only() -> None:
    net = TrustNetwork.from_edges(["a", "b"], [("a", "b", 0.5)])
    with pytest.raises(ValueError, match="read-only"):
        net.trust[0] = 1.0


def test_from_arrays_checks_rules_vectorized() -> None:
    with pytest.raises(fairmas.InstanceError, match=r"edges\[1\]\.trust: must be within \[0, 1\]"):
        TrustNetwork.from_arrays(["a", "b", "c"], [0, 1], [1, 2], [0.5, 1.5])
    with pytest.raises(fairmas.InstanceError, match=r"edges\[2\]: repeated edge a → b"):
        TrustNetwork.from_arrays(["a", "b", "c"], [0, 1, 0], [1, 2, 1], [0.5, 0.5, 0.5])
    with pytest.raises(fairmas.InstanceError, match=r"edges\[0\]\.to: agent index out of range"):
        TrustNetwork.from_arrays(["a", "b"], [0], [5], [0.5])
