"""The forbidden shortcuts: library calls that would do an exercise for the student.

Each exercise's are in its assignment's table (course_core/assignments/<id>.json, "forbidden").

Found by reading the student's source (AST), including names spelt as strings
for getattr; a hit scores 0 on that exercise. Whether a name in an ordinary
function ever runs cannot be read from the source (a stand-in of an earlier
exercise can be made to call it), so it counts wherever it is, but one place:
a self-test under `if __name__ == "__main__":` at the top of a file whose other
code has no way to set `__name__` or to reach torch indirectly (`main_blocks`),
since the grader imports the file as a module. A file that reaches torch by a
route this reading cannot follow (a name built at run time, torch.ops, another
module's namespace), or names a forbidden shortcut in such a self-test, is also
watched as it runs: `watched` says which, and sandbox/watch.py catches the
forbidden operators themselves. Honest files are not watched, and pay nothing
for it.
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


# What the reading below cannot follow to its end.
DYNAMIC_CALLS = CALLS | {"getattr", "dir", "locals"}
DYNAMIC_NAMES = {"ops", "aten", "_ops", "_C", "_nn", "_VariableFunctions", "__getattr__"} | INSIDES | DYNAMIC_CALLS
# Modules that reach an attribute by a string without the calls above (sys, ctypes, ... need them,
# or a name above, to get at torch: importing them alone is no reason to watch).
DYNAMIC_MODULES = {"operator", "importlib", "inspect", "builtins"}


# What could make a self-test under __main__ run when the grader imports the file: __name__ set or read
# otherwise, the module's own spec or loader, or modules that run or reach a module by name.
MAIN_RUNNERS = {"__name__", "__spec__", "__loader__", "runpy", "sys", "importlib", "builtins", "inspect", "types"}


def _is_main_test(test):
    """Whether an if's test is `__name__ == "__main__"` (either way round)."""
    return (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)
            and {ast.dump(test.left), ast.dump(test.comparators[0])}
            == {ast.dump(ast.Name("__name__", ast.Load())), ast.dump(ast.Constant("__main__"))})


def main_blocks(walked):
    """The top-level `if __name__ == "__main__":` blocks of the file (side_effects.nodes of it) that cannot run
    when it is imported as a module: none, where its other code names a MAIN_RUNNERS or takes a route
    `watched` follows (globals(), __dict__, ...)."""
    module = walked[0]
    blocks = [n for n in module.body if isinstance(n, ast.If) and _is_main_test(n.test) and not n.orelse]
    if not blocks:
        return []
    inside = {id(node) for block in blocks for node in ast.walk(block)}
    rest = [node for node in walked if id(node) not in inside]
    for node in rest:
        named = (node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute)
                 else None)
        imported = ([a.name.split(".")[0] for a in node.names] if isinstance(node, ast.Import)
                    else [(node.module or "").split(".")[0]] if isinstance(node, ast.ImportFrom) else [])
        if named in MAIN_RUNNERS or set(imported) & MAIN_RUNNERS:
            return []
        if isinstance(node, ast.Name) and node.id in DYNAMIC_CALLS or isinstance(node, ast.Attribute) and node.attr in DYNAMIC_NAMES:
            return []
    return blocks


def shortcuts(exercise, source):
    """The forbidden names of `exercise` (its table's entry) the source (text, its ast.parse, or
    side_effects.nodes of it) uses, in order of appearance, but in its self-tests under __main__
    (main_blocks)."""
    names = exercise.forbidden
    if not names:
        return []
    walked = nodes(source)
    skipped = {id(node) for block in main_blocks(walked) for node in ast.walk(block)}
    walked = [node for node in walked if id(node) not in skipped]
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
