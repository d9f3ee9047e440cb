"""Embedding methods: `get(name)` returns the class, `available()` lists them all."""

from embedlab.methods import (  # noqa: F401
    clip,
    cnn,
    collaborative,
    conse,
    elmo,
    entity,
    graph,
    image,
    linear,
    multilingual,
    neural,
    onehot,
    projected,
    static,
    transformer,
    word,
)
from embedlab.methods.base import Embedder, available, get, register

__all__ = ["Embedder", "available", "get", "register"]
