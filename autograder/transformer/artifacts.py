"""The data behind the `transformer` feedback page's pictures, computed from the student's own code in
the sandbox.

Returns the artifacts dict that course_cli.report.render_feedback draws: the
student's positional-encoding table beside the reference's, and the student's
warmup curves over the reference's.
"""
from autograder.compare import Wrong
from autograder.remote import SandboxError, StudentError
from autograder.session import Session
from course_core import assignments

BY_ID = assignments.get("transformer").by_id

EMBED, MAX_LEN = 16, 50
WARMUP, TOTAL, LAST = 10, 100, 120
SCHEDULES = ("linear", "cosine", "noam")


def _safe(compute):
    """(value, None), or (None, one line saying why the student's code gave nothing)."""
    try:
        return compute(), None
    except (Wrong, StudentError, SandboxError) as exc:
        return None, str(exc)


def _table(value):
    rows = value[0].tolist() if hasattr(value, "dim") and value.dim() == 3 else value.tolist()
    return [[float(x) for x in row] for row in rows]


def _artifacts(student_pe, student_warmup):
    from solutions.transformer.positional_encoding import PositionalEmbedding
    from solutions.transformer.warmup import lr_lambda

    steps = list(range(LAST + 1))
    pe, pe_error = _safe(lambda: _table(student_pe()))
    schedules = {}
    for name in SCHEDULES:
        yours, error = _safe(lambda: [float(v) for v in student_warmup(name, steps)])
        schedules[name] = {"yours": yours, "error": error,
                           "expected": [lr_lambda(s, WARMUP, TOTAL, name) for s in steps]}
    return {
        "positional_encoding": {"yours": pe, "error": pe_error, "expected": _table(PositionalEmbedding(EMBED, MAX_LEN).pe)},
        "warmup": {"steps": steps, "warmup_steps": WARMUP, "total_steps": TOTAL, "schedules": schedules},
    }


def reference():
    """The artifacts with the reference standing in for the student: for tests."""
    from solutions.transformer.positional_encoding import PositionalEmbedding
    from solutions.transformer.warmup import lr_lambda

    return _artifacts(lambda: PositionalEmbedding(EMBED, MAX_LEN).pe,
                      lambda name, steps: [lr_lambda(s, WARMUP, TOTAL, name) for s in steps])


def collect(paths, time_limit=20.0):
    """{path: artifacts} for each submission folder."""
    session = Session(time_limit)
    try:
        out = {}
        for path in map(str, paths):
            def pe():
                return session.module(path, BY_ID["positional_encoding"]).PositionalEmbedding(EMBED, MAX_LEN).pe

            def warmup(name, steps):
                module = session.module(path, BY_ID["warmup"])
                return [module.lr_lambda(s, WARMUP, TOTAL, name) for s in steps]

            out[path] = _artifacts(pe, warmup)
        return out
    finally:
        session.close()
