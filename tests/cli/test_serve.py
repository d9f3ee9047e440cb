"""`serve` and `demo` on a port another program holds: exit 2 naming the port, before anything
says the app is served there or any work is done."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.test_cli import assert_clear_error


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


@pytest.fixture(autouse=True)
def never_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    """Should the check miss, fail instead of serving (and blocking the test)."""
    import embedlab.api.server
    import embedlab.pipeline.demo

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("reached the server or the case study")

    monkeypatch.setattr(embedlab.api.server, "run_server", refuse)
    monkeypatch.setattr(embedlab.pipeline.demo, "run_demo", refuse)


def test_serve_on_a_busy_port(run, busy_port: int) -> None:
    code, out, err = run("serve", "--port", str(busy_port), "--no-browser")
    assert_clear_error(code, err, f"port {busy_port} of 127.0.0.1", "in use", "--port")
    assert "serving" not in out and out == ""


def test_demo_on_a_busy_port(run, busy_port: int) -> None:
    code, out, err = run("demo", "--port", str(busy_port), "--limit", "10")
    assert_clear_error(code, err, f"port {busy_port} of 127.0.0.1", "in use")
    assert out == ""


def test_serve_on_a_free_port_gets_to_the_server(run) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, out, err = run("serve", "--port", str(port), "--no-browser")
    assert code == 1 and "reached the server" in err  # the check let it through
    assert f"127.0.0.1:{port}" in out
