"""Node embeddings of a graph: DeepWalk and node2vec (numba walks + gensim skip-gram) and
Laplacian eigenmaps (`spectral`); their input is a `GraphInput` (CSR adjacency)."""

from embedlab.methods.graph.deepwalk import DeepWalk, Node2Vec, WalkEmbedder
from embedlab.methods.graph.input import GraphInput, as_graph_input
from embedlab.methods.graph.spectral import SpectralEmbedding

__all__ = [
    "DeepWalk",
    "GraphInput",
    "Node2Vec",
    "SpectralEmbedding",
    "WalkEmbedder",
    "as_graph_input",
]
