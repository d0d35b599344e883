"""Put the encoder to work: the `decoder` assignment.

(The grader's stand-in for this package: see autograder/decoder/shims/README.md.)
"""
