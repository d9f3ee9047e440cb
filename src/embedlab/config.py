"""Where embedlab keeps what it fetches or builds outside a workspace, in one place.

`$EMBEDLAB_CACHE` (default `~/.cache/embedlab`) holds sandbox datasets fetched from the package
registries and model files exported once per machine (ONNX graphs of the CNN).
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """The cache folder (not created here: the code that writes into it does that)."""
    return Path(os.environ.get("EMBEDLAB_CACHE", Path.home() / ".cache" / "embedlab")).expanduser()


def models_cache_dir() -> Path:
    """Model files derived from installed weights (e.g. ONNX exports), reused across runs."""
    return cache_dir() / "models"
