"""The hidden autograder: never shipped to students.

The judge (this package) holds the reference solutions and the hidden tests.
Student code runs only in children forked by `sandbox.zygote` (started by
`pool`), which never imports either; the judge talks to them through `remote`,
one child per submission (`session`).
"""
