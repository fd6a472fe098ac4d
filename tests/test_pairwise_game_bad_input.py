"""Bad pairwise games and options: one line naming file, field and rule; exit 2; nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairmas.models.pairwise_game import PairwiseGame
from tests.test_bad_input import assert_one_line_error

GOOD = """\
kind: pairwise_game
players:
  alice: [cooperate, defect]
  bob: [cooperate, defect, leave]
payoffs:
  - {player: alice, opponent: bob, table: [[3, 0, 1], [5, 1, 1]]}
  - {player: bob, opponent: alice, table: [[3, 0], [5, 1], [1, 1]]}
"""

# (name, file name, file text, fragments the one-line error must contain)
BAD_GAMES = [
    (
        "too many rows",
        "game.yaml",
        GOOD.replace("[[3, 0, 1], [5, 1, 1]]", "[[3, 0, 1], [5, 1, 1], [0, 0, 0]]"),
        ["payoffs[0].table", "must have 2 row(s), one per action of alice", "got 3"],
    ),
    (
        "short row",
        "game.yaml",
        GOOD.replace("[[3, 0], [5, 1], [1, 1]]", "[[3, 0], [5], [1, 1]]"),
        ["payoffs[1].table[1]", "must have 2 entries, one per action of alice", "got 1"],
    ),
    (
        "unknown player",
        "game.yaml",
        GOOD.replace("{player: bob, opponent: alice", "{player: bob, opponent: zed"),
        ["payoffs[1].opponent", "unknown player 'zed'", "alice, bob"],
    ),
    (
        "unknown payoff owner",
        "game.json",
        '{"kind": "pairwise_game", "players": {"a": ["x"]}, '
        '"payoffs": [{"player": "ghost", "opponent": "a", "table": [[1]]}]}',
        ["payoffs[0].player", "unknown player 'ghost'"],
    ),
    (
        "unknown action",
        "game.yaml",
        GOOD.replace("[[3, 0, 1], [5, 1, 1]]", "{defect: {cooperate: 5}, fly: {leave: 1}}"),
        ["payoffs[0].table.fly", "unknown action 'fly' of alice", "cooperate, defect"],
    ),
    (
        "unknown opponent action",
        "game.yaml",
        GOOD.replace("[[3, 0, 1], [5, 1, 1]]", "{defect: {cooperate: 5, stay: 1}}"),
        ["payoffs[0].table.defect.stay", "unknown action 'stay' of bob"],
    ),
    (
        "player without actions",
        "game.yaml",
        GOOD.replace("alice: [cooperate, defect]", "alice: []"),
        ["players.alice", "at least 1 item"],
    ),
    (
        "no players",
        "game.yaml",
        "kind: pairwise_game\nplayers: {}\n",
        ["players", "at least 1 item"],
    ),
    (
        "NaN payoff",
        "game.yaml",
        GOOD.replace("[[3, 0, 1], [5, 1, 1]]", "[[3, .nan, 1], [5, 1, 1]]"),
        ["payoffs[0].table[0][1]", "finite number"],
    ),
    (
        "infinite payoff in TOML",
        "game.toml",
        'kind = "pairwise_game"\n[players]\na = ["x"]\nb = ["y"]\n'
        '[[payoffs]]\nplayer = "a"\nopponent = "b"\ntable = [[inf]]\n',
        ["payoffs[0].table[0][0]", "finite number"],
    ),
    (
        "infinite payoff in a mapping",
        "game.json",
        '{"kind": "pairwise_game", "players": {"a": ["x"], "b": ["y"]}, '
        '"payoffs": [{"player": "a", "opponent": "b", "table": {"x": {"y": -Infinity}}}]}',
        ["payoffs[0].table.x.y", "finite number"],
    ),
    (
        "payoff as text",
        "game.yaml",
        GOOD.replace("[[3, 0, 1], [5, 1, 1]]", "[[3, '0', 1], [5, 1, 1]]"),
        ["payoffs[0].table[0][1]", "valid number"],
    ),
    (
        "repeated pair",
        "game.yaml",
        GOOD + "  - {player: alice, opponent: bob, table: [[0, 0, 0], [0, 0, 0]]}\n",
        ["payoffs[2]", "repeated pair alice → bob", "payoffs[0]"],
    ),
    (
        "own opponent",
        "game.yaml",
        GOOD + "  - {player: bob, opponent: bob, table: [[0, 0, 0], [0, 0, 0], [0, 0, 0]]}\n",
        ["payoffs[2].opponent", "bob cannot be its own opponent"],
    ),
    (
        "duplicate action",
        "game.yaml",
        GOOD.replace("[cooperate, defect, leave]", "[cooperate, defect, cooperate]"),
        ["players.bob[2]", "duplicate name 'cooperate'"],
    ),
    (
        "table not a matrix",
        "game.yaml",
        GOOD.replace("[[3, 0, 1], [5, 1, 1]]", "7"),
        ["payoffs[0].table", "valid list"],
    ),
    (
        "unknown payoff field",
        "game.yaml",
        GOOD.replace("table: [[3, 0, 1], [5, 1, 1]]}", "table: [[3, 0, 1], [5, 1, 1]], w: 1}"),
        ["payoffs[0].w", "unknown field", "allowed: player, opponent, table"],
    ),
]


@pytest.mark.parametrize(
    ("name", "filename", "text", "fragments"), BAD_GAMES, ids=[case[0] for case in BAD_GAMES]
)
@pytest.mark.parametrize("objective", ["social_optimum", "equilibrium"])
def test_bad_game_file(tmp_path: Path, run_cli, name, filename, text, fragments, objective) -> None:
    path = tmp_path / filename
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "result.json"
    run = run_cli("solve", path, "--objective", objective, "--out", out)
    assert_one_line_error(run, str(path), *fragments)
    assert sorted(p.name for p in tmp_path.iterdir()) == [filename]


@pytest.fixture
def good_game(tmp_path: Path) -> Path:
    path = tmp_path / "game.yaml"
    path.write_text(GOOD)
    return path


@pytest.fixture
def huge_game(tmp_path: Path) -> Path:
    path = tmp_path / "huge.json"
    game = PairwiseGame.random(15, 3, degree=2, seed=0)  # 3^15 ≈ 1.4e7 profiles
    import json

    path.write_text(json.dumps(game.to_document()))
    return path


@pytest.mark.parametrize(
    ("objective", "alternatives"),
    [
        ("social_optimum", "use method toulbar2, cycle_lp, dnn, milp or cpsat"),
        ("equilibrium", "use method cpsat, search or milp"),
        ("alignment", "use method milp"),
    ],
)
def test_enumeration_of_too_many_profiles(huge_game: Path, run_cli, objective, alternatives):
    out = huge_game.parent / "r.json"
    run = run_cli(
        "solve", huge_game, "--objective", objective, "--method", "enumerate", "--out", out
    )
    assert_one_line_error(
        run, "method enumerate", "3^15 = 14348907 profiles", "limit of 10^7", alternatives
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (
            ["--objective", "q_learning", "--param", "state=last_joint_action"],
            ["--param state", "one state per joint action", "use state=none"],
        ),
        (["--objective", "equilibrium", "--param", "which=median"], ["--param which", "'best'"]),
        (["--objective", "equilibrium", "--param", "limit=0"], ["--param limit", "1"]),
        (["--objective", "q_learning", "--param", "epsilon=2"], ["--param epsilon", "1"]),
        (["--objective", "q_learning", "--param", "reward=greed"], ["--param reward"]),
        (["--objective", "q_learning", "--param", "gamma=1"], ["--param gamma", "less than 1"]),
        (["--objective", "social_optimum", "--plot", "x.png"], ["--plot", "q_learning"]),
        (["--objective", "min_cut_partition"], ["objective min_cut_partition needs a trust"]),
    ],
    ids=[
        "state space",
        "which",
        "limit",
        "epsilon",
        "reward",
        "gamma",
        "plot",
        "kind",
    ],
)
def test_bad_options(huge_game: Path, run_cli, args, fragments) -> None:
    out = huge_game.parent / "r.json"
    run = run_cli("solve", huge_game, *args, "--out", out)
    assert_one_line_error(run, *fragments)
    assert sorted(p.name for p in huge_game.parent.iterdir()) == ["huge.json"]


def test_plot_into_missing_directory(good_game: Path, run_cli) -> None:
    run = run_cli(
        "solve", good_game, "--objective", "q_learning", "--plot", good_game.parent / "no" / "p.png"
    )
    assert_one_line_error(run, "--plot", "does not exist")
