"""Storage: the workspace (Lance tables), its catalog and its run manifest."""

from embedlab.store.catalog import Entry
from embedlab.store.manifest import RunRecord, library_versions
from embedlab.store.workspace import Dataset, Space, Workspace, validate_name

__all__ = [
    "Dataset",
    "Entry",
    "RunRecord",
    "Space",
    "Workspace",
    "library_versions",
    "validate_name",
]
