"""Everything computed from vectors: neighbour graphs, search, projections."""
