"""Embedding methods: `get(name)` returns the class, `available()` lists them all."""

from embedlab.methods import clip, cnn, conse, image, linear, onehot, transformer  # noqa: F401
from embedlab.methods.base import Embedder, available, get, register

__all__ = ["Embedder", "available", "get", "register"]
