"""Dynamic programming over subsets for coalition structure generation (compiled).

Yeh's recursion (BIT 26, 1986) for the value f(S) of the best partition of a
coalition S:

.. math::

    f(S) = \\max\\Big(v(S),\\;
           \\max_{A \\subset S,\\; A \\ni \\min S} f(A) + f(S \\setminus A)\\Big)

Every unordered split {A, S∖A} is evaluated once, from the side that holds
the lowest agent of S: 2^{|S|−1} − 1 splits per coalition, about 3^n / 2 in
all. Coalitions are bitmasks (bit i = agent i); ``f`` is one float64 array of
length 2^n (8·2^n bytes) beside the values, and no table of best splits is
stored: the structure is recovered afterwards by finding, for each coalition
on the way down, a split that attains f exactly (the sums are recomputed in
the same order, so the equality is bit-exact).

The work is done layer by layer (all coalitions of size k after all of size
k − 1, as in the reference implementation of Rahwan and Jennings); the
coalitions of one layer are independent, so a layer runs in parallel threads
(numba ``prange`` over chunks of the layer, each chunk starting at the
combination of its rank in colexicographic order and stepping with Gosper's
hack).

References
----------
D. Y. Yeh, "A dynamic programming approach to the complete set partitioning
problem", BIT 26 (1986) 467–474.
T. Rahwan, N. R. Jennings, "An improved dynamic programming algorithm for
coalition structure generation", AAMAS 2008 (IDP; layer-wise evaluation).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

# ----------------------------------------------------------------------------- kernels


@njit(cache=True)
def binomials(n):  # pragma: no cover (compiled)
    """Pascal's triangle as an (n+1)×(n+1) int64 table."""
    table = np.zeros((n + 1, n + 1), dtype=np.int64)
    for a in range(n + 1):
        table[a, 0] = 1
        for b in range(1, a + 1):
            table[a, b] = table[a - 1, b - 1] + table[a - 1, b]
    return table


@njit(cache=True)
def unrank_colex(rank, k, n, table):  # pragma: no cover (compiled)
    """The k-subset of {0..n−1} of the given rank in colex (= increasing bitmask) order."""
    mask = 0
    x = n - 1
    for i in range(k, 0, -1):
        while table[x, i] > rank:
            x -= 1
        mask |= 1 << x
        rank -= table[x, i]
        x -= 1
    return mask


@njit(cache=True)
def next_same_size(mask):  # pragma: no cover (compiled)
    """Gosper's hack: the next larger bitmask with the same number of bits."""
    low = mask & -mask
    ripple = mask + low
    return ripple | (((mask ^ ripple) >> 2) // low)


@njit(cache=True)
def _best_split_value(f, coalition):  # pragma: no cover (compiled)
    """max over splits {A, S∖A}, A ∋ min S, of f(A) + f(S∖A); and the number of splits."""
    low = coalition & -coalition
    rest = coalition ^ low
    best = -np.inf
    count = 0
    sub = (rest - 1) & rest
    while True:
        part = low | sub
        value = f[part] + f[coalition ^ part]
        if value > best:
            best = value
        count += 1
        if sub == 0:
            break
        sub = (sub - 1) & rest
    return best, count


@njit(cache=True)
def _layer_range(f, n, k, start, stop, table):  # pragma: no cover (compiled)
    """Splits of the coalitions of size k with colex ranks start..stop−1."""
    coalition = unrank_colex(start, k, n, table)
    count = 0
    layer_max = -np.inf
    for _ in range(start, stop):
        best, splits = _best_split_value(f, coalition)
        count += splits
        if best > f[coalition]:
            f[coalition] = best
        if f[coalition] > layer_max:
            layer_max = f[coalition]
        coalition = next_same_size(coalition)
    return count, layer_max


@njit(cache=True, parallel=True)
def _split_layer_parallel(f, n, k):  # pragma: no cover (compiled)
    table = binomials(n)
    total = table[n, k]
    chunks = min(total, 512)
    count = 0
    layer_max = -np.inf
    for chunk in prange(chunks):
        local_count, local_max = _layer_range(
            f, n, k, chunk * total // chunks, (chunk + 1) * total // chunks, table
        )
        count += local_count
        layer_max = max(layer_max, local_max)
    return count, layer_max


@njit(cache=True)
def _split_layer_serial(f, n, k):  # pragma: no cover (compiled)
    table = binomials(n)
    return _layer_range(f, n, k, 0, table[n, k], table)


PARALLEL_FROM_SPLITS = 1 << 24
"""Layers with fewer splits run in one thread: starting the thread team costs more."""


def split_layer(f: np.ndarray, n: int, k: int) -> tuple[int, float]:
    """Set f(S) = max(f(S), best split) for every coalition S of size k ≥ 2.

    ``f`` must hold the final values of all coalitions smaller than k and v(S)
    for the layer itself. Returns (splits evaluated, max f over the layer).
    Large layers run in parallel threads.
    """
    splits = math.comb(n, k) * ((1 << (k - 1)) - 1)
    kernel = _split_layer_parallel if splits >= PARALLEL_FROM_SPLITS else _split_layer_serial
    count, layer_max = kernel(f, n, k)
    return int(count), float(layer_max)


@njit(cache=True)
def best_split_of(f, values, coalition):  # pragma: no cover (compiled)
    """A part A (holding the lowest agent) with f(A) + f(S∖A) = f(S), or S when f(S) = v(S)."""
    if f[coalition] == values[coalition]:
        return coalition
    low = coalition & -coalition
    rest = coalition ^ low
    sub = (rest - 1) & rest
    while True:
        part = low | sub
        if f[part] + f[coalition ^ part] == f[coalition]:
            return part
        if sub == 0:
            break
        sub = (sub - 1) & rest
    return -1


@njit(cache=True)
def max_by_size(values, n):  # pragma: no cover (compiled)
    """The largest value among the coalitions of each size 0..n (index 0 is the empty set: 0)."""
    best = np.full(n + 1, -np.inf)
    best[0] = 0.0
    for mask in range(1, values.shape[0]):
        size = 0
        rest = mask
        while rest:
            rest &= rest - 1
            size += 1
        if values[mask] > best[size]:
            best[size] = values[mask]
    return best


# ----------------------------------------------------------------------------- driver


def structure_from_f(f: np.ndarray, values: np.ndarray, coalition: int) -> list[int]:
    """The coalitions of a best partition of ``coalition`` according to ``f``.

    Follows, from ``coalition`` down, a split that attains f exactly; a
    coalition with f = v is kept whole. Returns bitmasks.

    Raises
    ------
    RuntimeError
        If no split attains f (f was not computed by the recursion).
    """
    stack, found = [coalition], []
    while stack:
        current = stack.pop()
        part = int(best_split_of(f, values, current))
        if part < 0:
            raise RuntimeError(f"no split of coalition {current:#x} attains f")
        if part == current:
            found.append(current)
        else:
            stack += [part, current ^ part]
    return found


def labels_from_masks(masks: list[int], n: int) -> np.ndarray:
    """A coalition label per agent (0, 1, ... in the order of the first agent of each)."""
    labels = np.full(n, -1, dtype=np.int64)
    for mask in sorted(masks, key=lambda m: m & -m):
        members = [i for i in range(n) if (mask >> i) & 1]
        labels[members] = labels.max() + 1
    if (labels < 0).any():
        raise RuntimeError("the coalitions do not cover every agent")
    return labels


def split_count(n: int) -> int:
    """Splits Yeh's DP evaluates on n agents: Σ_S (2^{|S|−1} − 1) = (3^n + 1)/2 − 2^n.

    >>> split_count(3), split_count(20)
    (6, 1742343625)
    """
    return sum(math.comb(n, k) * ((1 << (k - 1)) - 1) for k in range(2, n + 1))


def compile_kernels() -> None:
    """Compile (or load from numba's cache) the kernels once per process.

    Tables of coalition values are often read-only arrays, a separate numba
    type: both kinds are compiled here.
    """
    values = np.array([0.0, 1.0, 1.0, 3.0, 1.0, 2.0, 2.0, 4.0])
    frozen = values.copy()
    frozen.flags.writeable = False
    f = values.copy()
    _split_layer_serial(f, 3, 2)
    _split_layer_parallel(values.copy(), 3, 2)
    for table in (values, frozen):
        best_split_of(f, table, 3)
        max_by_size(table, 3)
