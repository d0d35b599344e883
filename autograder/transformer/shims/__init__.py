"""Build a Transformer encoder by hand: the `transformer` assignment.

(The grader's stand-in for this package: see autograder/transformer/shims/README.md.)
"""
