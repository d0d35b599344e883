"""Whether a student's file may leave the process changed for the exercises graded after it.

One child grades a submission's exercises one after another (session.py).
Before each next exercise it always checks the cheap things: torch's global
modes and hooks, threads, processes (sandbox/child.py). Checking that every
attribute of torch, numpy, math and builtins is still what it was costs
~7 ms in a fresh child, which must touch thousands of objects it shares with
the zygote, so it is done only after a file this reading flags.

Flagged: rebinding or deleting anything reached through an imported name
(`torch.allclose = ...`, `nn.Linear.forward = ...`, `F.__dict__[...] = ...`),
setattr, delattr, exec, eval, compile, __import__, globals, vars, the
dunder attributes that reach into other objects' insides, and importing the
modules that can change the interpreter (sys, builtins, importlib, ctypes,
gc, inspect). An honest Transformer needs none of these. A file that hides
such a change from this reading can only spoil its own later exercises: the
working versions of those are never within its reach.
"""
import ast

CALLS = {"setattr", "delattr", "exec", "eval", "compile", "__import__", "globals", "vars"}
INSIDES = {"__dict__", "__globals__", "__builtins__", "__code__", "__closure__", "__defaults__", "__kwdefaults__",
           "__setattr__", "__delattr__", "__setitem__", "__getattribute__", "__subclasses__", "__bases__", "__mro__",
           "__class__", "__func__", "__self__", "__wrapped__"}
MODULES = {"sys", "builtins", "importlib", "ctypes", "gc", "inspect"}


def _root(node):
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def nodes(source):
    """Every node of `source` (text, its ast.parse, or this list already) in ast.walk's order: the file is
    walked once for all the readings of it (here and in forbidden.py), each of which takes any of the three."""
    if isinstance(source, list):
        return source
    return list(ast.walk(source if isinstance(source, ast.AST) else ast.parse(source)))


def flagged(source):
    """Whether `source` (see nodes) might change torch, numpy, math or builtins for the code that runs after it."""
    try:
        walked = nodes(source)
    except SyntaxError:
        return True
    imported, stores = set(), []
    for node in walked:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(name.split(".")[0] in MODULES for name in names):
                return True
            imported.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            stores.append(node)  # judged once every import is known (an import may come later in the file)
        if isinstance(node, ast.Attribute) and node.attr in INSIDES:
            return True
        if isinstance(node, ast.Name) and node.id in CALLS | {"__builtins__"}:
            return True
    return any(_root(node) in imported for node in stores)
