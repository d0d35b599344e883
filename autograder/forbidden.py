"""The forbidden shortcuts: library calls that would do an exercise for the student.

Each exercise's are in its assignment's table (course_core/assignments/<id>.json, "forbidden").

Read from the student's source (AST), including names spelt as strings for
getattr. A hit alone costs nothing: the name may sit in a self-test under
`if __name__ == "__main__":` or in a helper never called. It turns on the
watcher (sandbox/watch.py), which catches the forbidden operators, modules and
functions when the exercise's own code runs them, and only then scores the
exercise 0. So does a file that reaches torch by a route this reading cannot
follow (a name built at run time, torch.ops, another module's namespace):
`watched` says which. Honest files are not watched, and pay nothing for it.
"""
import ast

from .side_effects import CALLS, INSIDES, nodes

TORCH_MODULES = {"torch", "torch.nn", "torch.nn.functional", "torch.nn.modules", "torch._C", "torch._C._nn"}


def _torch_aliases(walked):
    aliases = set(TORCH_MODULES)
    for node in walked:
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "torch":
                    aliases.add(a.asname or a.name)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "torch":
            for a in node.names:
                aliases.add(a.asname or a.name)
    return aliases


def shortcuts(exercise, source):
    """The forbidden names of `exercise` (its table's entry) the source (text, its ast.parse, or
    side_effects.nodes of it) uses, in order of appearance."""
    names = exercise.forbidden
    if not names:
        return []
    walked = nodes(source)
    aliases = _torch_aliases(walked)
    found = []
    for node in walked:
        hit = None
        if isinstance(node, ast.Attribute) and node.attr in names and ast.unparse(node.value) in aliases:
            hit = f"{ast.unparse(node.value)}.{node.attr}"
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "torch":
            hit = next((a.name for a in node.names if a.name in names), None)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in names:
            hit = node.module.split(".")[0]  # a whole library that does the exercise (a CRF package)
        elif isinstance(node, ast.Import):
            hit = next((a.name.split(".")[0] for a in node.names if a.name.split(".")[0] in names), None)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
            hit = node.value
        if hit and hit not in found:
            found.append(hit)
    return found


# What the reading above cannot follow to its end.
DYNAMIC_CALLS = CALLS | {"getattr", "dir", "locals"}
DYNAMIC_NAMES = {"ops", "aten", "_ops", "_C", "_nn", "_VariableFunctions", "__getattr__"} | INSIDES | DYNAMIC_CALLS
# Modules that reach an attribute by a string without the calls above (sys, ctypes, ... need them,
# or a name above, to get at torch: importing them alone is no reason to watch).
DYNAMIC_MODULES = {"operator", "importlib", "inspect", "builtins"}


def watched(exercise, source):
    """Whether the file (text, its ast.parse, or side_effects.nodes of it) of `exercise` must also be watched
    as it runs (sandbox/watch.py)."""
    names = exercise.forbidden
    if not names:
        return False
    for node in nodes(source):
        if isinstance(node, ast.Name) and node.id in DYNAMIC_CALLS:
            return True
        if isinstance(node, ast.Attribute) and (node.attr in DYNAMIC_NAMES or node.attr in names):
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            dotted = [a.name for a in node.names] + ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            parts = {part for name in dotted for part in name.split(".")}
            if parts & (DYNAMIC_NAMES | DYNAMIC_MODULES | set(names) | {"*"}):
                return True
    return False
