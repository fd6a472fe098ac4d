"""An indexed binary max-heap over nodes 0..n-1, for compiled graph searches.

Three arrays hold it: ``heap`` (the nodes, heap-ordered by ``key``), ``where``
(each node's slot, -1 when never inserted, -2 once popped) and ``key``. Raising
a key moves the node up in O(log n); popping the top marks it scanned. A
maximum-adjacency scan (:mod:`fairmas.solvers.global_mincut`) uses the keys as
they are; Dijkstra (:mod:`fairmas.solvers.cycle_separation`) uses minus the
distance, so the nearest node is on top.

References
----------
T. H. Cormen, C. E. Leiserson, R. L. Rivest, C. Stein, *Introduction to
Algorithms*, 3rd ed., MIT Press 2009, chapter 6 (heaps and priority queues).

Examples
--------
>>> import numpy as np
>>> heap, where, key = np.empty(3, np.int64), np.full(3, -1, np.int64), np.zeros(3)
>>> size = heap_raise(heap, where, key, 0, 1, 5.0)
>>> size = heap_raise(heap, where, key, size, 2, 7.0)
>>> size = heap_raise(heap, where, key, size, 1, 9.0)
>>> top, size = heap_pop(heap, where, key, size)
>>> int(top), int(size), int(where[1])
(1, 1, -2)
"""

from numba import njit


@njit(cache=True)
def heap_raise(heap, where, key, size, node, new_key):  # pragma: no cover (compiled)
    """Insert ``node`` or raise its key in an indexed binary max-heap; return the new size."""
    key[node] = new_key
    i = where[node]
    if i < 0:
        i = size
        heap[i] = node
        where[node] = i
        size += 1
    while i > 0:
        parent = (i - 1) >> 1
        if key[heap[parent]] >= key[heap[i]]:
            break
        a, b = heap[parent], heap[i]
        heap[parent], heap[i] = b, a
        where[b], where[a] = parent, i
        i = parent
    return size


@njit(cache=True)
def heap_pop(heap, where, key, size):  # pragma: no cover (compiled)
    """Remove the node of largest key; mark it scanned (``where = -2``); return it and the size."""
    top = heap[0]
    size -= 1
    where[top] = -2
    if size > 0:
        last = heap[size]
        heap[0] = last
        where[last] = 0
        i = 0
        while True:
            child = 2 * i + 1
            if child >= size:
                break
            if child + 1 < size and key[heap[child + 1]] > key[heap[child]]:
                child += 1
            if key[heap[child]] <= key[heap[i]]:
                break
            a, b = heap[child], heap[i]
            heap[child], heap[i] = b, a
            where[b], where[a] = child, i
            i = child
    return top, size
