"""The judge <-> child messages (autograder/sandbox/wire.py)."""
import socket
import threading
import time

import pytest
import torch
from torch import nn

from autograder.sandbox import wire


def test_request_tensors_arrive_equal_as_contiguous_copies():
    x = torch.arange(24, dtype=torch.float64).reshape(2, 3, 4)
    values = {"view": x.transpose(1, 2), "slice": x[1, 1:], "bool": x > 5, "long": x.long(), "half": x.half(),
              "complex": torch.complex(x, -x), "empty": torch.zeros(0, 3), "scalar": torch.tensor(2.5),
              "grad": torch.ones(2, requires_grad=True), "parameter": nn.Parameter(torch.ones(3))}
    back = wire.load_request(wire.dump_request(values))
    for name, value in values.items():
        assert back[name].dtype == value.dtype and torch.equal(back[name], value.detach()), name
        assert back[name].is_contiguous(), name
    assert back["grad"].requires_grad and isinstance(back["parameter"], nn.Parameter)
    back["view"].add_(1)
    assert torch.equal(x[0, 0], torch.arange(4, dtype=torch.float64))  # a copy: nothing shared with the judge


def test_one_tensor_twice_in_a_request_is_one_tensor_there():
    x = torch.randn(3)
    a, b = wire.load_request(wire.dump_request((x, x)))
    assert a is b


def test_modules_travel_with_their_tensors():
    dropout = nn.Hardtanh(0.0, 0.25)
    linear = nn.Linear(2, 3).double()
    got_dropout, got_linear = wire.load_request(wire.dump_request((dropout, linear)))
    assert isinstance(got_dropout, nn.Hardtanh) and got_dropout.max_val == 0.25
    assert torch.equal(got_linear.weight, linear.weight) and got_linear.weight.dtype == torch.float64


def test_a_reply_carries_only_data_and_handles():
    reply = ("ok", {"t": torch.tensor([[True, False]]), "n": 3, "x": (1.5, None, "s", 2j, torch.float32),
                    "h": {"__handle__": 4, "__type__": "Attention", "__stable__": False, "__class__": False}})
    assert repr(wire.load_reply(wire.dump_reply(reply))) == repr(reply)
    with pytest.raises(TypeError):
        wire.dump_reply(("ok", object()))


def test_a_reply_says_whether_a_tensor_was_part_of_a_graph_and_carries_no_graph():
    """A loss computed under torch.no_grad() must show as one: the flag travels, for floating tensors only."""
    w = torch.ones(2, requires_grad=True)
    loss = (w * 3).sum()
    back = wire.load_reply(wire.dump_reply(("ok", [loss, loss.detach(), torch.arange(3)])))[1]
    assert back[0].requires_grad and back[0].grad_fn is None and not back[1].requires_grad and not back[2].requires_grad
    forged = wire.dump_reply(("ok", torch.arange(3)))
    size = wire.LENGTH.unpack_from(forged)[0]
    head = forged[wire.LENGTH.size:wire.LENGTH.size + size].replace(b"false", b"true")
    assert not wire.load_reply(wire.LENGTH.pack(len(head)) + head + forged[wire.LENGTH.size + size:])[1].requires_grad


def test_two_messages_at_once_are_refused():
    ours, theirs = socket.socketpair()
    try:
        theirs.sendall(wire.HEADER.pack(2) + b"ab" + wire.HEADER.pack(1) + b"c")
        with pytest.raises(wire.WireError):
            wire.recv(ours)
    finally:
        ours.close()
        theirs.close()


def test_a_message_arrives_whole_however_it_is_cut():
    ours, theirs = socket.socketpair()
    try:
        payload = bytes(range(256)) * 1000  # more than a socket holds: sent while it is read
        data = wire.HEADER.pack(len(payload)) + payload

        def send():
            theirs.sendall(data[:3])  # not even the whole header
            time.sleep(0.05)
            theirs.sendall(data[3:])

        sender = threading.Thread(target=send)
        sender.start()
        assert wire.recv(ours, deadline=time.monotonic() + 10) == payload
        sender.join()
    finally:
        ours.close()
        theirs.close()
