"""Trust propagation and h-step coalition-generation probabilities on a trust network.

Two derived relations of a :class:`~fairmas.models.trust_network.TrustNetwork`
(DESIGN.md section 2; Tong and Ren, seed 003, section 3):

**Propagated trust** τ_ij, over the paths i → … → j of at most h edges (h =
``hops``; a direct edge is a path of one hop). Along a path p the trust is the
weakest edge (``transitivity="min"``) or the product of the edge trusts
(``"product"``); over the paths, τ_ij is

- ``aggregation="max"``: the best path, max_p t_p. With ``min`` this is the
  widest (bottleneck) path, with ``product`` the most reliable path. Both are
  computed in polynomial time by a hop-bounded Bellman–Ford over the
  (max, min) or (max, ×) semiring: τ⁽¹⁾ = ρ,
  τ⁽ˡ⁺¹⁾_ij = max(τ⁽ˡ⁾_ij, max_k τ⁽ˡ⁾_ik ⊗ ρ_kj). Walks that repeat an agent
  are never better than the simple path that skips the loop (min and × with
  trusts in [0, 1] never increase along a path), so the best walk of ≤ h hops
  is the best simple path of ≤ h hops.
- ``aggregation="weighted_mean"``: the mean of the path trusts, each path
  weighted by its own trust, Σ_p t_p² / Σ_p t_p (0 when every path has trust
  0), over the simple paths of ≤ h hops. This needs the paths themselves:
  they are enumerated depth-first, and more than ``path_budget`` paths (10⁶ by
  default) raise :class:`~fairmas.errors.InstanceError` naming the budget.

Choices, with their references: the two transitivity and two aggregation
operators are those of Mao et al. as cited in seed 003 ([14] there), the
``min`` operator being Jøsang's conservative trust transitivity and the
trust-weighted mean the aggregation of Golbeck's TidalTrust. A direct edge is
one of the paths: under ``max`` a better longer route replaces its trust (the
best path wins by definition), under ``weighted_mean`` it is averaged with the
longer routes. Agents are never their own target (no τ_ii), and paths through
an edge of trust 0 have trust 0: they change neither the best path nor the
weighted mean, so those edges are skipped.

**Coalition-generation probability** P, the row-normalized *direct* trust
p_ij = ρ_ij / Σ_k ρ_ik (a zero row for an agent that trusts nobody), and its
h-step power P⁽ʰ⁾ = Pʰ, the probability that a coalition-forming random walk
from i is at j after exactly h steps (seed 003, equations 1–4). The trust-utility
relation only needs P⁽ʰ⁾ on the pairs joined by an edge, so
:func:`h_step_edge_probabilities` computes exactly those entries, row by row, in
O(n + m) memory; :func:`h_step_probability_matrix` gives the whole sparse
matrix (scipy.sparse products, never a dense n × n array).

Complexity, for out-degree d: ``max`` aggregation and the per-edge Pʰ cost
O(n·dʰ) time (bounded by O(h·n·m)) and O(n + output) memory; the output of
propagated trust has one entry per pair joined by a path of ≤ h hops.

References
----------
Mao et al., trust transitivity and aggregation operators (seed 003, ref. [14]).
A. Jøsang, E. Gray, M. Kinateder, "Simplification and analysis of transitive
trust networks", Web Intelligence and Agent Systems 4(2), 2006.
J. Golbeck, "Computing and applying trust in web-based social networks",
PhD thesis, University of Maryland, 2005 (TidalTrust).

Examples
--------
>>> from fairmas.models.trust_network import Propagation, TrustNetwork
>>> net = TrustNetwork.from_edges(
...     ["a", "b", "c"], [("a", "b", 0.9), ("b", "c", 0.5), ("a", "c", 0.2)]
... )
>>> propagated_trust(net, Propagation("min", "max", 2)).toarray()
array([[0. , 0.9, 0.5],
       [0. , 0. , 0.5],
       [0. , 0. , 0. ]])
>>> tau = propagated_trust(net, Propagation("product", "weighted_mean", 2))
>>> round(float(tau[[0], [2]][0]), 6)   # (0.2² + 0.45²) / (0.2 + 0.45)
0.373077
"""

from __future__ import annotations

import numpy as np
import scipy.sparse
from numba import njit

from fairmas.errors import InstanceError
from fairmas.models.trust_network import Propagation, TrustNetwork

PATH_BUDGET = 10**6
"""Most simple paths ``weighted_mean`` aggregation may enumerate before it refuses."""

# ----------------------------------------------------------------------------- kernels


@njit(cache=True)
def _grow(buffer, needed):  # pragma: no cover (compiled)
    """``buffer`` copied into one at least twice as large, holding ``needed`` entries."""
    bigger = np.empty(max(2 * buffer.shape[0], needed), buffer.dtype)
    bigger[: buffer.shape[0]] = buffer
    return bigger


@njit(cache=True)
def _best_paths(n, indptr, indices, trust, hops, product):  # pragma: no cover (compiled)
    """Hop-bounded Bellman–Ford from every source over the (max, min) or (max, ×) semiring.

    Returns CSR arrays (row pointer, column, value) of the best path trust from
    each agent to every other agent reachable within ``hops`` edges.
    """
    out_ptr = np.zeros(n + 1, np.int64)
    out_col = np.empty(max(16, 2 * indices.shape[0]), np.int32)
    out_val = np.empty(out_col.shape[0], np.float64)
    size = 0
    best = np.zeros(n)
    seen = np.full(n, -1, np.int64)  # seen[y] == s: y reached from source s
    queued = np.full(n, -1, np.int64)  # queued[y] == level stamp: y in the next frontier
    touched = np.empty(n, np.int64)
    frontier = np.empty(n, np.int64)
    frontier_value = np.empty(n)
    following = np.empty(n, np.int64)
    stamp = 0
    for s in range(n):
        n_touched = 0
        seen[s] = s
        best[s] = 1.0  # the source itself is never a target
        frontier[0] = s
        frontier_value[0] = 1.0  # neutral for both min and × on [0, 1]
        n_frontier = 1
        for _ in range(hops):
            stamp += 1
            n_next = 0
            for f in range(n_frontier):
                x = frontier[f]
                tx = frontier_value[f]
                for p in range(indptr[x], indptr[x + 1]):
                    y = indices[p]
                    t = tx * trust[p] if product else min(tx, trust[p])
                    if seen[y] != s:
                        seen[y] = s
                        best[y] = 0.0
                        touched[n_touched] = y
                        n_touched += 1
                    if t > best[y]:
                        best[y] = t
                        if queued[y] != stamp:
                            queued[y] = stamp
                            following[n_next] = y
                            n_next += 1
            if n_next == 0:
                break
            # the next level relaxes from values of at most (level + 1) hops
            for f in range(n_next):
                frontier[f] = following[f]
                frontier_value[f] = best[following[f]]
            n_frontier = n_next
        row = np.sort(touched[:n_touched])
        if size + n_touched > out_col.shape[0]:
            out_col = _grow(out_col, size + n_touched)
            out_val = _grow(out_val, size + n_touched)
        for y in row:
            if best[y] > 0.0:
                out_col[size] = y
                out_val[size] = best[y]
                size += 1
        out_ptr[s + 1] = size
    return out_ptr, out_col[:size], out_val[:size]


@njit(cache=True)
def _path_means(n, indptr, indices, trust, hops, product, budget):  # pragma: no cover
    """Σ t_p² / Σ t_p over the simple paths of ≤ ``hops`` edges, by depth-first enumeration.

    Returns CSR arrays and the number of paths enumerated; stops as soon as
    that number exceeds ``budget`` (the arrays are then incomplete).
    """
    out_ptr = np.zeros(n + 1, np.int64)
    out_col = np.empty(max(16, 2 * indices.shape[0]), np.int32)
    out_val = np.empty(out_col.shape[0], np.float64)
    size = 0
    total = np.zeros(n)
    squares = np.zeros(n)
    seen = np.full(n, -1, np.int64)
    touched = np.empty(n, np.int64)
    on_path = np.zeros(n, np.bool_)
    node = np.empty(hops + 1, np.int64)
    cursor = np.empty(hops + 1, np.int64)
    value = np.empty(hops + 1)
    paths = 0
    for s in range(n):
        n_touched = 0
        depth = 0
        node[0], cursor[0], value[0] = s, indptr[s], 1.0
        on_path[s] = True
        while depth >= 0:
            x = node[depth]
            p = cursor[depth]
            if p == indptr[x + 1]:
                on_path[x] = False
                depth -= 1
                continue
            cursor[depth] = p + 1
            y = indices[p]
            if on_path[y]:
                continue
            t = value[depth] * trust[p] if product else min(value[depth], trust[p])
            paths += 1
            if paths > budget:
                return out_ptr, out_col[:size], out_val[:size], paths
            if seen[y] != s:
                seen[y] = s
                total[y] = 0.0
                squares[y] = 0.0
                touched[n_touched] = y
                n_touched += 1
            total[y] += t
            squares[y] += t * t
            if depth + 1 < hops:
                depth += 1
                node[depth], cursor[depth], value[depth] = y, indptr[y], t
                on_path[y] = True
        row = np.sort(touched[:n_touched])
        if size + n_touched > out_col.shape[0]:
            out_col = _grow(out_col, size + n_touched)
            out_val = _grow(out_val, size + n_touched)
        for y in row:
            if total[y] > 0.0:
                out_col[size] = y
                out_val[size] = squares[y] / total[y]
                size += 1
        out_ptr[s + 1] = size
    return out_ptr, out_col[:size], out_val[:size], paths


@njit(cache=True)
def _walks_on_edges(
    n, indptr, indices, prob, in_ptr, in_src, in_prob, query_ptr, query_col, hops
):  # pragma: no cover (compiled)
    """(Pʰ)_ij for the queried pairs (row i: ``query_col[query_ptr[i]:query_ptr[i+1]]``).

    Row i of P^(h−1) is pushed forward from e_i through h − 1 sparse steps in a
    dense scratch vector; the last step is only taken into the queried columns,
    (Pʰ)_ij = Σ_l (P^(h−1))_il p_lj over the in-edges l → j of j.
    """
    out = np.zeros(query_col.shape[0])
    current = np.zeros(n)
    upcoming = np.zeros(n)
    support = np.empty(n, np.int64)
    new_support = np.empty(n, np.int64)
    marked = np.full(n, -1, np.int64)  # marked[y] == stamp: y already in the new support
    stamp = 0
    for i in range(n):
        if query_ptr[i] == query_ptr[i + 1]:
            continue
        current[i] = 1.0
        support[0] = i
        n_support = 1
        for _ in range(hops - 1):
            stamp += 1
            n_new = 0
            for a in range(n_support):
                x = support[a]
                px = current[x]
                for p in range(indptr[x], indptr[x + 1]):
                    y = indices[p]
                    if marked[y] != stamp:
                        marked[y] = stamp
                        new_support[n_new] = y
                        n_new += 1
                    upcoming[y] += px * prob[p]
            for a in range(n_support):
                current[support[a]] = 0.0
            for a in range(n_new):
                y = new_support[a]
                support[a] = y
                current[y] = upcoming[y]
                upcoming[y] = 0.0
            n_support = n_new
        for q in range(query_ptr[i], query_ptr[i + 1]):
            j = query_col[q]
            acc = 0.0
            for r in range(in_ptr[j], in_ptr[j + 1]):
                acc += current[in_src[r]] * in_prob[r]
            out[q] = acc
        for a in range(n_support):
            current[support[a]] = 0.0
    return out


# ----------------------------------------------------------------------------- helpers


def _positive_csr(
    n: int, source: np.ndarray, target: np.ndarray, value: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays (row pointer, column, value) of the entries with value > 0."""
    keep = value > 0
    matrix = scipy.sparse.csr_array(
        (value[keep], (source[keep], target[keep])), shape=(n, n), dtype=np.float64
    )
    matrix.sort_indices()
    return (
        matrix.indptr.astype(np.int64),
        matrix.indices.astype(np.int64),
        matrix.data.astype(np.float64),
    )


def _matrix(n: int, ptr: np.ndarray, col: np.ndarray, val: np.ndarray) -> scipy.sparse.csr_array:
    matrix = scipy.sparse.csr_array((val, col, ptr), shape=(n, n))
    matrix.has_sorted_indices = True
    return matrix


def _direct_trust(network: TrustNetwork) -> scipy.sparse.csr_array:
    return scipy.sparse.csr_array(
        (network.trust, (network.source, network.target)),
        shape=(network.n_agents, network.n_agents),
        dtype=np.float64,
    )


# ----------------------------------------------------------------------------- public


def propagated_trust(
    network: TrustNetwork,
    propagation: Propagation | None = None,
    *,
    path_budget: int = PATH_BUDGET,
) -> scipy.sparse.csr_array:
    """Propagated trust τ over paths of at most ``propagation.hops`` edges.

    Parameters
    ----------
    network : TrustNetwork
    propagation : Propagation, optional
        Transitivity, aggregation and hops; default ``network.propagation``.
    path_budget : int
        Largest number of simple paths ``weighted_mean`` may enumerate.

    Returns
    -------
    scipy.sparse.csr_array
        n × n, entry (i, j) = τ_ij (no diagonal). With one hop it is the
        direct trust of the edges (explicit zeros for edges of trust 0);
        beyond, only the positive entries are stored.

    Raises
    ------
    InstanceError
        When ``weighted_mean`` would enumerate more than ``path_budget`` paths
        (field ``propagation.aggregation``; use ``max`` or fewer hops).

    Notes
    -----
    See the module docstring for the formulas. ``max`` aggregation costs
    O(n·dʰ) for out-degree d (a hop-bounded Bellman–Ford per source, never
    more than h·m relaxations per source); ``weighted_mean`` costs one step
    per simple path.

    Examples
    --------
    >>> from fairmas.models.trust_network import TrustNetwork
    >>> net = TrustNetwork.from_edges(["a", "b", "c"], [("a", "b", 0.5), ("b", "c", 0.8)])
    >>> propagated_trust(net, Propagation("product", "max", 2))[[0], [2]].tolist()
    [0.4]
    """
    propagation = propagation or network.propagation
    n = network.n_agents
    if propagation.hops == 1:
        return _direct_trust(network)
    indptr, indices, trust = _positive_csr(n, network.source, network.target, network.trust)
    product = propagation.transitivity == "product"
    if propagation.aggregation == "max":
        ptr, col, val = _best_paths(n, indptr, indices, trust, propagation.hops, product)
        return _matrix(n, ptr, col, val)
    ptr, col, val, paths = _path_means(
        n, indptr, indices, trust, propagation.hops, product, path_budget
    )
    if paths > path_budget:
        raise InstanceError(
            network.origin,
            "propagation.aggregation",
            f"weighted_mean over paths of at most {propagation.hops} hops needs more than "
            f"{path_budget:,} simple paths (the path budget); use aggregation max "
            "(polynomial), or fewer hops",
        )
    return _matrix(n, ptr, col, val)


def coalition_generation_matrix(network: TrustNetwork) -> scipy.sparse.csr_array:
    """P: the row-normalized direct trust, p_ij = ρ_ij / Σ_k ρ_ik (sparse, n × n).

    An agent whose trust is all zero has a zero row.

    Examples
    --------
    >>> from fairmas.models.trust_network import TrustNetwork
    >>> net = TrustNetwork.from_edges(["a", "b", "c"], [("a", "b", 0.6), ("a", "c", 0.2)])
    >>> coalition_generation_matrix(net).toarray()[0].round(6).tolist()
    [0.0, 0.75, 0.25]
    """
    return scipy.sparse.csr_array(
        (edge_generation_probabilities(network), (network.source, network.target)),
        shape=(network.n_agents, network.n_agents),
        dtype=np.float64,
    )


def edge_generation_probabilities(network: TrustNetwork) -> np.ndarray:
    """p_ij = ρ_ij / Σ_k ρ_ik for each edge, aligned with the network's edge arrays."""
    out_trust = np.bincount(network.source, weights=network.trust, minlength=network.n_agents)
    denominator = out_trust[network.source]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, network.trust / denominator, 0.0)


def h_step_probability_matrix(network: TrustNetwork, hops: int) -> scipy.sparse.csr_array:
    """P⁽ʰ⁾ = Pʰ as a sparse matrix (h − 1 sparse products; never dense).

    Its number of stored entries is the number of pairs joined by a walk of
    exactly h steps: up to n·dʰ for out-degree d. When only the entries on the
    network's edges are needed (the trust-utility relation), use
    :func:`h_step_edge_probabilities`, which never stores the matrix.

    Examples
    --------
    >>> from fairmas.models.trust_network import TrustNetwork
    >>> net = TrustNetwork.from_edges(["a", "b", "c"], [("a", "b", 1.0), ("b", "c", 0.5),
    ...                                                  ("b", "a", 0.5)])
    >>> h_step_probability_matrix(net, 2).toarray()
    array([[0.5, 0. , 0.5],
           [0. , 0.5, 0. ],
           [0. , 0. , 0. ]])
    """
    if hops < 1:
        raise ValueError(f"hops must be at least 1 (got {hops})")
    step = coalition_generation_matrix(network)
    step.eliminate_zeros()
    power = step
    for _ in range(hops - 1):
        power = power @ step
    power.sort_indices()
    return power


def h_step_edge_probabilities(network: TrustNetwork, hops: int) -> np.ndarray:
    """(P⁽ʰ⁾)_ij on every edge i → j, aligned with the network's edge arrays.

    Row by row: e_i is pushed through h − 1 sparse steps of P in a dense
    scratch vector, and the last step is taken only into the columns of i's
    out-edges. Memory O(n + m); time O(Σ_i (|supp(e_i P^(h−1))|·d + Σ_{j∈out(i)} indeg j)),
    about n·(d^(h−1) + d²) for out-degree d.

    Examples
    --------
    >>> from fairmas.models.trust_network import TrustNetwork
    >>> net = TrustNetwork.from_edges(["a", "b", "c"], [("a", "b", 1.0), ("b", "c", 0.5),
    ...                                                  ("b", "a", 0.5), ("a", "c", 0.0)])
    >>> h_step_edge_probabilities(net, 2).tolist()   # a→b, b→c, b→a, a→c (via b)
    [0.0, 0.0, 0.0, 0.5]
    """
    if hops < 1:
        raise ValueError(f"hops must be at least 1 (got {hops})")
    probability = edge_generation_probabilities(network)
    if hops == 1:
        return probability
    n = network.n_agents
    indptr, indices, prob = _positive_csr(n, network.source, network.target, probability)
    in_ptr, in_src, in_prob = _positive_csr(n, network.target, network.source, probability)
    order = np.argsort(network.source, kind="stable")
    query_ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(network.source, minlength=n), out=query_ptr[1:])
    values = _walks_on_edges(
        n,
        indptr,
        indices,
        prob,
        in_ptr,
        in_src,
        in_prob,
        query_ptr,
        network.target[order].astype(np.int64),
        hops,
    )
    out = np.empty_like(values)
    out[order] = values
    return out
