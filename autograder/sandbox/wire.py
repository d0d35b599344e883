"""Length-prefixed messages on a stream socket, shared by the judge and the child.

The judge sends pickles (the child trusts the judge); the child answers with
`torch.save` bytes that the judge reads with `weights_only=True`, so nothing a
student returns can run code in the judge.
"""
import io
import pickle
import socket
import struct
import time

import torch

HEADER = struct.Struct("!Q")


class WireError(EOFError):
    """The other side closed the socket, or sent more than it may."""


def send(sock, payload: bytes):
    sock.sendall(HEADER.pack(len(payload)) + payload)


def recv(sock, limit=None, deadline=None) -> bytes:
    """One message; with a deadline (time.monotonic()), socket.timeout once it passes, however the bytes trickle."""
    (size,) = HEADER.unpack(_exactly(sock, HEADER.size, deadline))
    if limit is not None and size > limit:
        raise WireError(f"message of {size} bytes is over the limit of {limit}")
    return _exactly(sock, size, deadline)


def _exactly(sock, n, deadline=None):
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("timed out")
            sock.settimeout(left)
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise WireError("connection closed")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def dump_request(obj) -> bytes:
    return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


def load_request(data: bytes):
    return pickle.loads(data)


def dump_reply(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def load_reply(data: bytes):
    return torch.load(io.BytesIO(data), weights_only=True)
