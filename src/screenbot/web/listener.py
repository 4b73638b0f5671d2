"""The socket the web server listens on, opened before the server starts so that webhook calls
queue from the first moment instead of being refused."""

from __future__ import annotations

import socket


def listening_socket(host: str, port: int, backlog: int = 128) -> socket.socket:
    """A TCP socket bound and listening, whose connections send small replies at once.

    asyncio turns Nagle's algorithm off only on sockets it creates itself; on one handed to it,
    a keep-alive connection would hold each response back until the client's delayed
    acknowledgement, about 40 ms a request. Connections inherit TCP_NODELAY from this socket.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:  # a port in use: the caller gets the error, not a leaked socket
        sock.close()
        raise
    return sock
