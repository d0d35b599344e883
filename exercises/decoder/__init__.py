"""Put the encoder to work: heads, the encoder-decoder, GPT and its generation, the CRF: the `decoder` assignment.

Each exercise lives in its own file; ``layers.py`` holds the first assignment's
building blocks, given. This file deliberately imports nothing, so that one
broken exercise never stops the others from loading.
"""
