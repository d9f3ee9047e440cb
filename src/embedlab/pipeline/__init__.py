"""Workspace-level operations: each reads stored inputs, runs an analysis, stores the result
atomically and records the run. The CLI, the HTTP API and notebooks all call these."""
