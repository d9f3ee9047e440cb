"""The typed API: every response in /openapi.json has a schema (JSON ones typed all the way
down), the committed schema and generated TypeScript types match the app, /docs runs offline."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from embedlab.api import create_app
from embedlab.api.openapi import openapi_schema
from embedlab.store.workspace import Workspace

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
REGENERATE = (
    "regenerate it: python -m embedlab.api.openapi frontend/openapi.json && npm --prefix "
    "frontend run api-types (both run by `make frontend`)"
)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return openapi_schema()


def untyped_parts(node: Any, components: dict[str, Any], where: str, seen: set[str]) -> list[str]:
    """Where `node` (a JSON schema) is empty or an object with no properties or value type."""
    if not isinstance(node, dict):
        return []
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        if name in seen:
            return []
        return untyped_parts(components[name], components, name, seen | {name})
    if not node:
        return [f"{where}: empty schema (any value)"]
    found = []
    if node.get("type") == "object" and not node.get("properties"):
        extra = node.get("additionalProperties")
        if not isinstance(extra, dict) or not extra:
            found.append(f"{where}: object with no properties and untyped values")
    for key in ("items", "additionalProperties"):
        found += untyped_parts(node.get(key), components, f"{where}.{key}", seen)
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for i, part in enumerate(node.get(key, [])):
            found += untyped_parts(part, components, f"{where}.{key}[{i}]", seen)
    for name, part in node.get("properties", {}).items():
        found += untyped_parts(part, components, f"{where}.{name}", seen)
    return found


def operations(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


def test_every_success_response_has_a_typed_schema(schema: dict[str, Any]) -> None:
    components = schema.get("components", {}).get("schemas", {})
    problems = []
    for name, operation in operations(schema):
        success = {s: r for s, r in operation["responses"].items() if str(s).startswith("2")}
        assert success, f"{name} describes no success response"
        for status, response in success.items():
            content = response.get("content", {})
            if not content:
                problems.append(f"{name} {status}: no content")
            for media_type, body in content.items():
                if "schema" not in body:
                    problems.append(f"{name} {status} {media_type}: no schema")
                elif "json" in media_type:
                    found = untyped_parts(body["schema"], components, f"{name} {status}", set())
                    problems += found
    assert not problems, "\n".join(problems)


def test_every_refusal_is_the_one_error_body(schema: dict[str, Any]) -> None:
    for name, operation in operations(schema):
        error = operation["responses"].get("4XX", {})
        ref = error.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
        assert ref == "#/components/schemas/ErrorBody", name


def test_binary_and_csv_routes_declare_their_media_type(schema: dict[str, Any]) -> None:
    def media_types(path: str, method: str) -> set[str]:
        return set(schema["paths"][path][method]["responses"]["200"]["content"])

    assert media_types("/api/datasets/{name}/spaces/{space}/projection", "get") == {
        "application/octet-stream"
    }
    assert media_types("/api/datasets/{name}/fields/{field}/values", "get") == {
        "application/octet-stream"
    }
    assert media_types("/api/datasets/{name}/tags/{tag}.csv", "get") == {"text/csv"}
    assert "image/png" in media_types("/api/datasets/{name}/media/{kind}", "get")


def test_committed_schema_is_what_the_app_serves(schema: dict[str, Any]) -> None:
    committed = json.loads((FRONTEND / "openapi.json").read_text(encoding="utf-8"))
    assert committed == schema, f"frontend/openapi.json is out of date; {REGENERATE}"


def test_generated_types_cover_every_route(schema: dict[str, Any]) -> None:
    types = (FRONTEND / "src" / "api-types.ts").read_text(encoding="utf-8")
    generated = set(re.findall(r'^    "(/[^"]*)": \{', types, flags=re.MULTILINE))
    assert generated == set(schema["paths"]), f"frontend/src/api-types.ts is stale; {REGENERATE}"
    for model in schema["components"]["schemas"]:
        assert f"\n        {model}: " in types, f"{model} is not in api-types.ts; {REGENERATE}"


def test_docs_run_offline(explorer_workspace: Workspace) -> None:
    client = TestClient(create_app(explorer_workspace))
    page = client.get("/docs")
    assert page.status_code == 200
    outside = [u for u in re.findall(r"https?://[^\s'\"<>]+", page.text)]
    assert not outside, outside
    assets = re.findall(r'(?:href|src)="(/[^"]+)"', page.text)
    assert len(assets) == 3, assets
    for url in assets:
        assert client.get(url).status_code == 200, url
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/redoc").status_code == 404  # its default loads a CDN script
