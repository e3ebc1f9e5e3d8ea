"""LP dual prices of an optimal assignment, recovered from the matching alone (exact int64).

SciPy's LAPJVsp returns no dual prices, and the certificate needs them to prove optimality
over *all* pairs, not only the candidates. They are recovered from the optimal matching:
column prices ``v`` are shortest-path distances in the alternating graph, from the unmatched
columns (price 0), along arcs ``c -> m(i)`` of length ``w(i, m(i)) - w(i, c)`` for every edge
``(i, c)`` of row ``i`` matched to ``m(i)``. Optimality of the matching means there is no
negative cycle and no negative path from a free column, so the distances exist and are
``>= 0``; row prices are ``u_i = w(i, m(i)) - v[m(i)]``. Then ``u_i + v_c >= w(i, c)`` on
every edge, with equality on matched edges and ``v = 0`` on free columns: an optimal dual
solution of the assignment LP. Distances are computed with a vectorised, frontier-based
Bellman-Ford (each round relaxes only the arcs leaving columns whose price changed), which
stops as soon as no price changes; a wrong matching cannot pass: it would show a negative
price or a negative cycle, and the code raises.
"""

from __future__ import annotations

import numpy as np

__all__ = ["INF", "dual_prices"]

INF = np.int64(2**61)


def dual_prices(
    rows: np.ndarray, cols: np.ndarray, w: np.ndarray, match_col: np.ndarray, ncols: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """``(u, v, w_match, rounds)`` for a full matching ``match_col`` of the rows of the
    edge list ``(rows, cols, w)`` (each row's own weight-0 column included)."""
    n_rows = len(match_col)
    is_m = cols == match_col[rows]
    w_match = np.zeros(n_rows, np.int64)
    w_match[rows[is_m]] = w[is_m]
    dist = np.zeros(ncols, np.int64)
    dist[match_col] = INF
    rounds = 0
    if n_rows:
        # Arcs c -> m(i) grouped by tail column; relax only the arcs leaving columns whose
        # price changed in the previous round (the others cannot improve anything).
        arc = np.nonzero(~is_m)[0]
        a_src = cols[arc]
        by_src = np.argsort(a_src, kind="stable")
        arc = arc[by_src]
        a_src = a_src[by_src]
        a_dst = match_col[rows[arc]]
        a_len = w_match[rows[arc]] - w[arc]
        cptr = np.zeros(ncols + 1, np.int64)
        np.cumsum(np.bincount(a_src, minlength=ncols), out=cptr[1:])
        frontier = np.nonzero(dist < INF)[0]
        while len(frontier):
            lo, cnt = cptr[frontier], cptr[frontier + 1] - cptr[frontier]
            total = int(cnt.sum())
            if not total:
                break
            rounds += 1
            idx = np.repeat(lo - (np.cumsum(cnt) - cnt), cnt) + np.arange(total)
            cand = np.repeat(dist[frontier], cnt) + a_len[idx]
            new = dist.copy()
            np.minimum.at(new, a_dst[idx], cand)
            frontier = np.nonzero(new < dist)[0]
            dist = new
            if rounds > ncols + 2:
                raise RuntimeError("negative cycle in the alternating graph: matching not optimal")
        # Only rows whose single edge is their own "unmatched" column: price 0.
        stuck = dist[match_col] >= INF
        dist[match_col[stuck]] = 0
    if (dist < 0).any():
        raise RuntimeError("negative price: the matching is not optimal")
    u = w_match - dist[match_col]
    if ((u[rows] + dist[cols] - w) < 0).any():
        raise RuntimeError("dual infeasible on a candidate edge")
    return u, dist, w_match, rounds
