"""Length-prefixed messages on a stream socket, shared by the judge and the child.

The judge sends pickles (the child trusts the judge), with plain tensors as
raw bytes: they arrive as contiguous copies, sharing no memory with each other.
The child answers with JSON and raw tensor bytes (below), so nothing a student
returns can run code in the judge.

Requests are numbered, (number, message), and each reply carries its request's
number back, (status, value, number): the student's code can write on the
child's socket, and a reply it wrote itself then puts the conversation out of
step, which the judge sees at the next reply at the latest (remote.Child.request).
"""
import io
import json
import math
import pickle
import socket
import struct
import time

import torch

HEADER = struct.Struct("!Q")
CLOSED = "connection closed"


class WireError(EOFError):
    """The other side closed the socket, or sent more than it may."""


def send(sock, payload: bytes):
    sock.sendall(HEADER.pack(len(payload)) + payload)


def recv(sock, limit=None, deadline=None) -> bytes:
    """One message; with a deadline (time.monotonic()), socket.timeout once it passes, however the bytes trickle.

    The two sides take turns, one message each, so a first read of up to 64 KiB (one system call for
    most messages) cannot take the start of the next one: more than one message is an error."""
    data = _exactly(sock, HEADER.size, deadline, at_most=1 << 16)
    (size,) = HEADER.unpack_from(data)
    if limit is not None and size > limit:
        raise WireError(f"message of {size} bytes is over the limit of {limit}")
    if len(data) > HEADER.size + size:
        raise WireError("more than one message at once")
    return data[HEADER.size:] + _exactly(sock, HEADER.size + size - len(data), deadline)


def _exactly(sock, n, deadline=None, at_most=0):
    """At least n bytes (at most max(n, at_most), in reads of up to 1 MiB)."""
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("timed out")
            sock.settimeout(left)
        chunk = sock.recv(max(min(n - got, 1 << 20), at_most - got))
        if not chunk:
            raise WireError(CLOSED)
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _tensor_bytes(t):
    return t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""


def _tensor(dtype, shape, data, requires_grad):
    """A request's tensor, rebuilt in the child from its raw bytes."""
    t = torch.frombuffer(bytearray(data), dtype=DTYPES[dtype]).reshape(shape) if data else torch.zeros(shape, dtype=DTYPES[dtype])
    return t.requires_grad_() if requires_grad else t


class _RequestPickler(pickle.Pickler):
    """Plain tensors as raw bytes: several times cheaper than torch's own pickling, and requests carry many."""

    def reducer_override(self, obj):
        if type(obj) is torch.Tensor and obj.layout == torch.strided and not obj.is_quantized:
            t = obj.detach().contiguous()
            name = str(t.dtype).removeprefix("torch.")
            if name in DTYPES:
                return _tensor, (name, tuple(t.shape), _tensor_bytes(t), obj.requires_grad)
        return NotImplemented


def dump_request(obj) -> bytes:
    out = io.BytesIO()
    _RequestPickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return out.getvalue()


def load_request(data: bytes):
    return pickle.loads(data)


# Replies: JSON for the structure and raw bytes for the tensors. Reading them runs
# no code (unlike pickle) and costs a fraction of torch.load(weights_only=True).
DTYPES = {str(d).removeprefix("torch."): d for d in (
    torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.complex128, torch.complex64,
    torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool)}
LENGTH = struct.Struct("!I")
ITEMSIZE = {name: torch.empty((), dtype=d).element_size() for name, d in DTYPES.items()}


def dump_reply(obj) -> bytes:
    tensors, chunks = [], []

    def encode(v):
        if isinstance(v, torch.Tensor):
            t = v.detach().as_subclass(torch.Tensor).cpu().contiguous()
            tensors.append([str(t.dtype).removeprefix("torch."), list(t.shape), bool(v.requires_grad)])
            chunks.append(_tensor_bytes(t))
            return {"__tensor__": len(tensors) - 1}
        if isinstance(v, tuple):
            return {"__tuple__": [encode(x) for x in v]}
        if isinstance(v, list):
            return [encode(x) for x in v]
        if isinstance(v, dict):
            if "__handle__" in v:
                return {"__handle__": int(v["__handle__"]), "__type__": str(v.get("__type__", "")),
                        "__stable__": bool(v.get("__stable__")), "__class__": bool(v.get("__class__"))}
            return {"__dict__": {str(k): encode(x) for k, x in v.items()}}
        if isinstance(v, complex):
            return {"__complex__": [v.real, v.imag]}
        if isinstance(v, torch.dtype):
            return {"__dtype__": str(v).removeprefix("torch.")}
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        raise TypeError(f"cannot send a {type(v).__name__}")

    head = json.dumps([encode(obj), tensors]).encode()
    return LENGTH.pack(len(head)) + head + b"".join(chunks)


def load_reply(data: bytes):
    (size,) = LENGTH.unpack_from(data)
    body, tensors = json.loads(data[LENGTH.size:LENGTH.size + size])
    offset, built = LENGTH.size + size, []
    for name, shape, requires_grad in tensors:
        dtype, shape = DTYPES[name], [int(n) for n in shape]
        count = math.prod(shape)
        nbytes = count * ITEMSIZE[name]
        if offset + nbytes > len(data):
            raise WireError("a tensor runs past the end of the reply")
        chunk = bytearray(data[offset:offset + nbytes])
        offset += nbytes
        t = torch.frombuffer(chunk, dtype=dtype).reshape(shape) if count else torch.empty(shape, dtype=dtype)
        # whether the student's tensor was part of a graph (a loss computed under torch.no_grad() is not): a leaf here
        built.append(t.requires_grad_() if requires_grad is True and (dtype.is_floating_point or dtype.is_complex) else t)

    def decode(v):
        if isinstance(v, list):
            return [decode(x) for x in v]
        if isinstance(v, dict):
            if "__tensor__" in v:
                return built[int(v["__tensor__"])]
            if "__tuple__" in v:
                return tuple(decode(x) for x in v["__tuple__"])
            if "__dict__" in v:
                return {str(k): decode(x) for k, x in v["__dict__"].items()}
            if "__complex__" in v:
                return complex(*v["__complex__"])
            if "__dtype__" in v:
                return DTYPES[v["__dtype__"]]
            if "__handle__" in v:
                return {"__handle__": int(v["__handle__"]), "__type__": str(v["__type__"]), "__stable__": v["__stable__"] is True,
                        "__class__": v["__class__"] is True}
            raise WireError("an unknown value in the reply")
        return v

    return decode(body)
