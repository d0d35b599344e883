"""A torch-warm process that forks one child per (submission, exercise).

Started by the judge before it imports the reference or the hidden tests, so
nothing the children inherit has ever seen them. `import torch` is paid once
here instead of once per child.

    python -m autograder.sandbox.zygote FD

FD is a SOCK_SEQPACKET socket: each request is a pickled dict with one file
descriptor attached (the child's end of a socketpair to the judge); the reply
is the child's pid.
"""
import os
import pickle
import signal
import socket
import struct
import sys

import torch

from . import child


def _fork_child(conn_fd, request, control):
    pid = os.fork()
    if pid:
        os.close(conn_fd)
        return pid
    try:
        control.close()
        os.setsid()  # its own process group, so the judge can kill everything it spawns
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        child.run(socket.socket(fileno=conn_fd), request["workdir"])
    finally:
        os._exit(0)


def main(fd):
    control = socket.socket(fileno=fd)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    torch.set_num_threads(1)  # one core per child; OpenMP threads do not survive fork
    torch.zeros(1) @ torch.zeros(1)  # warm the allocator before forking
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 1 << 16, 1)
        except OSError:
            return
        if not message:
            return
        pid = _fork_child(fds[0], pickle.loads(message), control)
        control.send(struct.pack("!q", pid))


if __name__ == "__main__":
    main(int(sys.argv[1]))
