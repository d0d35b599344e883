"""A torch-warm process that forks one child per submission.

Started by the judge before it imports the reference or the hidden tests, so
nothing the children inherit has ever seen them. `import torch` is paid once
here instead of once per child.

    python -m autograder.sandbox.zygote FD

FD is a SOCK_SEQPACKET socket carrying pickled dicts from the judge:

- {"op": "spawn", "workdir": ..., "cpu_seconds": ..., "limits": {...}} with
  one file descriptor attached (the child's end of a socketpair to the
  judge); the reply is the child's pid. The child confines itself (see
  limits.py) before it serves anything.
- {"op": "reap", "pid": PID, "workdir": ...}, no reply: kill that child and
  every process it left behind (the zygote is a subreaper: orphans become
  its children), then delete its scratch folder.

When the judge goes away, the zygote kills everything it still has and exits.
"""
import ctypes
import gc
import os
import pickle
import select
import shutil
import socket
import struct
import subprocess
import sys

import torch

from . import child, limits, wire


def _fork_child(conn_fd, request, control, plans, baseline):
    key = tuple(sorted((request.get("limits") or {}).items()))
    if key not in plans:
        plans[key] = limits.plan(dict(key))
    plan = plans[key]
    pid = os.fork()
    if pid:
        os.close(conn_fd)
        return pid
    try:
        control.close()
        os.setsid()  # its own session and process group, so the judge can kill everything it spawns
        if conn_fd != 3:  # the judge's socket is 3 from now on
            os.dup2(conn_fd, 3, inheritable=False)
            os.close(conn_fd)
        try:
            workdir = limits.confine(3, request["workdir"], request.get("cpu_seconds"), plan)
        except BaseException as exc:  # never run student code unconfined
            child.refuse(socket.socket(fileno=3), f"{type(exc).__name__}: {exc}")
        else:
            child.run(socket.socket(fileno=3), workdir, baseline)
    finally:
        os._exit(0)


NAME = "course-zygote"  # what /proc/PID/cmdline shows once the inherited command line is blanked
IDLE = 0.02  # seconds without a request after which pending reaps are finished


def _finish(pending, live):
    """Wait for the killed children, kill what they left behind, delete their scratch folders. Never raises:
    nothing a child leaves behind may stop the zygote."""
    for pid, workdir in pending:
        try:
            limits.reap(pid, keep=live)
        except BaseException:  # noqa: BLE001 (it reaps again at the next _finish)
            pass
        _remove(workdir)
    pending.clear()


def _remove(path):
    """Delete a scratch folder, whatever is in it. In namespaces the child never saw it (its scratch was a
    tmpfs that went with it), so it is empty; without them a child may have left a tree thousands of
    levels deep (shutil.rmtree recurses) or folders without permissions: coreutils then walk it."""
    if not path:
        return
    try:
        shutil.rmtree(path)
        return
    except BaseException:  # noqa: BLE001 (RecursionError too)
        pass
    for argv in (["chmod", "-R", "u+rwx", "--", path], ["rm", "-rf", "--one-file-system", "--", path]):
        try:
            subprocess.run(argv, cwd="/", env={"PATH": "/usr/bin:/bin"}, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        except BaseException:  # noqa: BLE001
            pass


def forget_environment():
    """Blank this process's original command line and environment block, which /proc/PID/cmdline and
    /proc/PID/environ show (os.environ.clear() does not touch them), so that no child inherits the
    instructor's: a zygote forked from a grading worker has the worker's. Writes its own memory (the
    kernel gives the block's bounds in /proc/self/stat)."""
    with open("/proc/self/stat") as f:
        fields = f.read().rpartition(")")[2].split()  # fields[0] is field 3 (state)
    arg_start, arg_end, env_start, env_end = (int(fields[n - 3]) for n in (48, 49, 50, 51))
    ctypes.memset(env_start, 0, env_end - env_start)
    ctypes.memset(arg_start, 0, arg_end - arg_start)
    name = NAME.encode()
    if arg_end - arg_start > len(name):
        ctypes.memmove(arg_start, name, len(name))


def _warm_up():
    """Pay here, once, for what torch does lazily on first use (numpy for the replies, the
    dispatcher's first calls of each op), so that no child pays it: ~0.4 s a child otherwise."""
    import numpy  # noqa: F401  (Tensor.numpy() imports it on first use)
    # Not an optimizer: building one imports torch._dynamo (~1 s), which the children do not
    # need, as the judge sends them optimizers already built.
    import torch.optim.lr_scheduler  # noqa: F401
    from torch import nn

    x = torch.randn(2, 3, 8, dtype=torch.float64)
    layers = nn.ModuleList([nn.Linear(8, 8), nn.Embedding(10, 8, padding_idx=0), nn.Dropout(0.0), nn.GELU(), nn.ReLU()])
    layers.double()
    layers.load_state_dict(wire.load_request(wire.dump_request(layers.state_dict())))
    layers.train(False)
    h = layers[2](layers[3](layers[0](x))) + layers[1](torch.tensor([[1, 0, 2]]))
    mask = torch.tril(torch.ones(1, 3, 3, dtype=torch.bool))
    scores = (h @ h.transpose(-2, -1) / 8 ** 0.5).masked_fill(mask == 0, -1e9)
    weights = scores.softmax(dim=-1)
    out = (weights @ h).view(2, 3, 2, 4).transpose(1, 2).contiguous().view(2, 3, 8)
    out = (out - out.mean(-1, keepdim=True)) / torch.sqrt(out.var(-1, unbiased=False, keepdim=True) + 1e-5)
    wire.load_reply(wire.dump_reply(("ok", (out, weights, mask, {"x": 1.5}))))
    _first_calls(nn)


def _first_calls(nn):
    """The first call of each op a Transformer's code commonly runs, in both float types: a kernel's first
    call sets it up (~0.1-2 ms each; a child ran ~6 ms of them), which every child would otherwise repeat."""
    import torch.nn.functional as F

    for dtype in (torch.float32, torch.float64):
        x = torch.randn(2, 3, 4, 8, dtype=dtype)
        positions = torch.arange(0, 6, dtype=dtype).unsqueeze(1)
        table = torch.zeros(6, 8, dtype=dtype)
        table[:, 0::2] = torch.sin(positions * torch.exp(torch.arange(0, 8, 2, dtype=dtype) * -0.5))
        table[:, 1::2] = torch.cos(positions * torch.pow(10000.0, -torch.arange(0, 8, 2, dtype=dtype) / 8))
        norm = nn.LayerNorm(8).to(dtype)
        y = norm(x) + F.layer_norm(x, (8,)) + x.std(-1, keepdim=True) + torch.rsqrt(x.abs() + 1) + torch.tanh(x)
        y = F.relu(y) + F.gelu(y) + F.dropout(y, 0.5, True) + torch.where(y > 0, y, torch.zeros_like(y))
        y = torch.matmul(y, y.transpose(-2, -1)).masked_fill(torch.triu(torch.ones(4, 4, dtype=torch.bool), 1), float("-inf"))
        y = torch.softmax(y, -1) + F.log_softmax(y, -1).exp() + torch.logsumexp(y, -1, keepdim=True)
        y = F.scaled_dot_product_attention(x, x, x, attn_mask=torch.tril(torch.ones(4, 4, dtype=torch.bool)))
        torch.cat([y, y], -1), torch.stack([y, y]), y.expand(2, 2, 3, 4, 8).contiguous(), y.repeat(1, 2, 1, 1)
        y.cumsum(-1), y.argmax(-1), y.topk(2, -1), y.max(-1), torch.outer(y[0, 0, 0], y[0, 0, 1])
        torch.eye(4, dtype=dtype), torch.full_like(y, 2.0), torch.multinomial(torch.softmax(y[0, 0], -1), 1)
        F.cross_entropy(x.reshape(-1, 8), torch.arange(24) % 8, ignore_index=0), F.nll_loss(x.reshape(-1, 8).log_softmax(-1), torch.arange(24) % 8)
        torch.bmm(x[0], x[0].transpose(1, 2)), x.sum(), x.mean(), (x * 2 - 1).abs().sqrt(), x.clamp(min=0), x.log1p().nan_to_num()


MADV_COLLAPSE = 25
HUGE = 1 << 21


def _huge_pages():
    """Back the zygote's private memory (the heap of everything torch's import made) with 2 MiB pages
    where the kernel can (Linux 6.1+, transparent huge pages not off): a fork then copies one page-table
    entry per 2 MiB instead of 512, and an exit frees as few. A child still copies only the 4 KiB it
    writes. Measured here: a fork and exit of a process that imported torch, 13 -> 6.5 ms; a child started,
    a package imported, the child closed (benchmarks/child_start.py), a median of 32 -> 18 to 27 ms."""
    madvise = limits._libc.madvise
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    with open("/proc/self/maps") as maps:
        regions = [line.split() for line in maps]
    for fields in regions:
        # anonymous (no file: inode 0) or the heap, private and writable: what a fork copies entry by entry
        if fields[1].startswith("rw") and fields[1][3] == "p" and fields[4] == "0" and fields[5:] in ([], ["[heap]"]):
            low, high = (int(x, 16) for x in fields[0].split("-"))
            low, high = -(-low // HUGE) * HUGE, high // HUGE * HUGE
            if high > low:  # a failure is fine: the memory stays as it was
                madvise(low, high - low, MADV_COLLAPSE)


def main(fd):
    """Serve the judge on the socket fd until it closes it; never returns."""
    forget_environment()
    control = socket.socket(fileno=fd)
    sys.dont_write_bytecode = True  # the children compile in their scratch folders, and keep nothing
    limits.become_subreaper()
    torch.set_num_threads(1)  # one core per child; OpenMP threads do not survive fork
    _warm_up()
    baseline = child.Baseline()
    plans = {(): limits.plan()}
    # Out of the collector's sight: a collection in a child would otherwise write to every object
    # the zygote holds, copying each of their pages into the child (copy-on-write).
    gc.freeze()
    _huge_pages()
    live = set()
    # A reap kills at once, but waits to finish (wait, hunt orphans, delete) until the next
    # spawn has been answered or the judge is idle: the judge asks for the next child right
    # after closing one, and should not wait for the old one's teardown.
    pending = []
    try:
        while True:
            if pending and not select.select([control], [], [], IDLE)[0]:
                _finish(pending, live)
            try:
                message, fds, _, _ = socket.recv_fds(control, 1 << 16, 1)
            except OSError:
                return
            if not message:
                return
            request = pickle.loads(message)
            if request.get("op") == "reap":
                for extra in fds:
                    os.close(extra)
                live.discard(request["pid"])
                limits.kill(request["pid"], keep=live)
                pending.append((request["pid"], request.get("workdir")))
                continue
            pid = _fork_child(fds[0], request, control, plans, baseline)
            live.add(pid)
            control.send(struct.pack("!q", pid))
            _finish(pending, live)
    finally:
        try:
            limits.reap(None)
        finally:
            for _, workdir in pending:
                _remove(workdir)
            os._exit(0)  # skip torch's slow teardown: the judge waits for this exit


if __name__ == "__main__":
    main(int(sys.argv[1]))
