"""The coalition-value files of the public ODP-IP reference code.

Format (README of github.com/trahwan/ODP-IP): plain text, 2^n lines for n
agents; line k + 1 holds v of the coalition whose bitmask is k, where bit i
stands for agent a_{i+1}. Line 1 is the empty coalition (0). Values are
decimal numbers as Java's ``Double.valueOf`` reads them (``30``, ``1.5E8``).

The files carry no agent names: :func:`read_odpip` names the agents ``a1`` ..
``an`` as the reference does, and :func:`write_odpip` writes the values of any
game with at most :data:`~fairmas.models.coalition_game.MAX_TABLE_AGENTS`
agents in its agent order.

Examples
--------
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> game = CoalitionGame.from_table(["x", "y"], [0, 30, 40, 50])
>>> write_odpip(game, folder / "values.txt")
>>> (folder / "values.txt").read_text().split()
['0.0', '30.0', '40.0', '50.0']
>>> again = read_odpip(folder / "values.txt")
>>> again.agents, again.values().tolist()
(('a1', 'a2'), [0.0, 30.0, 40.0, 50.0])
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fairmas.atomic import atomic_path
from fairmas.errors import InstanceError
from fairmas.models.coalition_game import MAX_TABLE_AGENTS, CoalitionGame, table_bytes

_CHUNK = 1 << 20


def read_odpip(path: str | Path, agents: list[str] | None = None) -> CoalitionGame:
    """Read an ODP-IP value file (2^n lines) into a table game.

    Parameters
    ----------
    path : str or Path
    agents : list of str, optional
        Names of the n agents; default ``a1`` .. ``an``.

    Raises
    ------
    InstanceError
        Naming the file and the line: a missing or unreadable file, a line count
        that is not a power of two, a line that is not a number, a value that is
        not finite, a non-zero first line, or more than
        :data:`~fairmas.models.coalition_game.MAX_TABLE_AGENTS` agents.
    """
    source = str(path)
    file = Path(path)
    if file.is_dir():
        raise InstanceError(source, "", "is a directory, expected an ODP-IP value file")
    if not file.exists():
        raise InstanceError(source, "", "no such file")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InstanceError(source, "", f"cannot be read: {exc.strerror}") from None
    lines = data.split(b"\n")
    if lines and not lines[-1].strip():
        lines.pop()  # the newline that ends the last line
    count = len(lines)
    if count == 0:
        raise InstanceError(source, "(document)", "empty file; an ODP-IP file has 2^n lines")
    n = count.bit_length() - 1
    if count != 1 << n or n == 0:
        raise InstanceError(
            source,
            "(document)",
            f"has {count} lines; an ODP-IP value file has 2^n lines for n ≥ 1 agents "
            "(line k+1 = v of the coalition with bitmask k)",
        )
    if n > MAX_TABLE_AGENTS:
        raise InstanceError(
            source,
            "(document)",
            f"holds 2^{n} values ({n} agents, {table_bytes(n)}); at most "
            f"{MAX_TABLE_AGENTS} agents are supported",
        )
    try:
        values = np.array(lines).astype(np.float64)
    except (ValueError, UnicodeDecodeError):
        values = None
    if values is None:
        for number, line in enumerate(lines, start=1):
            try:
                float(line)
            except ValueError:
                shown = line.decode("utf-8", errors="replace").strip()[:40]
                raise InstanceError(
                    source, f"line {number}", f"must be a number (got {shown!r})"
                ) from None
        raise AssertionError("unreachable: numpy and float() disagree")
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        number = int(bad[0]) + 1
        raise InstanceError(
            source, f"line {number}", f"must be a finite number (got {values[bad[0]]})"
        )
    if values[0] != 0:
        raise InstanceError(
            source, "line 1", f"is the empty coalition, which is worth 0 (got {values[0]:g})"
        )
    names = agents if agents is not None else [f"a{i + 1}" for i in range(n)]
    if len(names) != n:
        raise InstanceError(source, "(document)", f"holds {n} agents, {len(names)} names given")
    return CoalitionGame.from_table(names, values, origin=source)


def write_odpip(game: CoalitionGame, path: str | Path) -> None:
    """Write the 2^n values of ``game`` in the ODP-IP format, atomically.

    Each value is written in Python's shortest round-trip form (``30.0``,
    ``1.2345e+17``), which Java's ``Double.valueOf`` reads back exactly.

    Raises
    ------
    InstanceError
        When a graph game has too many agents for a dense table.
    """
    values = game.values()
    with atomic_path(path) as temporary, temporary.open("w", encoding="ascii") as stream:
        for start in range(0, values.size, _CHUNK):
            chunk = values[start : start + _CHUNK].tolist()
            stream.write("\n".join(map(repr, chunk)))
            stream.write("\n")
