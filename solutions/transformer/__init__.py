"""Build a Transformer encoder by hand: the `transformer` assignment.

Each exercise lives in its own file; see README.md for the points table.
This file deliberately imports nothing, so that one broken exercise never
stops the others from loading.
"""
