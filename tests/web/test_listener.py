"""The web server's socket: webhook replies must not stall behind Nagle's algorithm."""

from __future__ import annotations

import socket

import pytest

from screenbot.web.listener import listening_socket


def test_accepted_connections_send_without_nagle_delay() -> None:
    """Regression: uvicorn served a socket made without TCP_NODELAY, so every response on a
    kept-alive connection waited for the client's delayed acknowledgement (~40 ms)."""
    with listening_socket("127.0.0.1", 0) as server:
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.sendall(b"GET /healthz HTTP/1.1\r\n\r\n")
            accepted, _ = server.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
                assert accepted.recv(100).startswith(b"GET /healthz")


def test_a_port_in_use_is_refused() -> None:
    with listening_socket("127.0.0.1", 0) as first, pytest.raises(OSError, match="in use"):
        listening_socket("127.0.0.1", first.getsockname()[1])
