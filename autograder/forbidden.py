"""The contract's forbidden shortcuts: library calls that would do an exercise for the student.

Found by reading the student's source (AST), including names spelt as strings
for getattr; a hit scores 0 on that exercise.
"""
import ast

ATTENTION = ("scaled_dot_product_attention", "MultiheadAttention", "multi_head_attention_forward")
LAYER_NORM = ("LayerNorm", "layer_norm", "native_layer_norm")
ENCODER = ("TransformerEncoderLayer", "TransformerEncoder")
BY_EXERCISE = {
    "attention": ATTENTION,
    "multi_head": ATTENTION,
    "transformer_block": LAYER_NORM + ENCODER,
    "bert": ENCODER,
}
TORCH_MODULES = {"torch", "torch.nn", "torch.nn.functional", "torch.nn.modules", "torch._C", "torch._C._nn"}


def _torch_aliases(tree):
    aliases = set(TORCH_MODULES)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "torch":
                    aliases.add(a.asname or a.name)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "torch":
            for a in node.names:
                aliases.add(a.asname or a.name)
    return aliases


def shortcuts(exercise_id, source):
    """The forbidden names the source (text, or its ast.parse) uses, in order of appearance."""
    names = BY_EXERCISE.get(exercise_id, ())
    if not names:
        return []
    tree = source if isinstance(source, ast.AST) else ast.parse(source)
    aliases = _torch_aliases(tree)
    found = []
    for node in ast.walk(tree):
        hit = None
        if isinstance(node, ast.Attribute) and node.attr in names and ast.unparse(node.value) in aliases:
            hit = f"{ast.unparse(node.value)}.{node.attr}"
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "torch":
            hit = next((a.name for a in node.names if a.name in names), None)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
            hit = node.value
        if hit and hit not in found:
            found.append(hit)
    return found
