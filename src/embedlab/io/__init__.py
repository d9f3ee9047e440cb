"""Readers for every source kind, and the sandbox datasets."""

from embedlab.io.items import PreparedItems, prepare_items
from embedlab.io.readers import read_source
from embedlab.io.sandbox import SANDBOX, SandboxDataset, get_sandbox

__all__ = [
    "SANDBOX",
    "PreparedItems",
    "SandboxDataset",
    "get_sandbox",
    "prepare_items",
    "read_source",
]
