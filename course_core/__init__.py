"""What the `course` command and the hidden autograder both need, so that neither imports the other's
package for it: the assignments' tables (`assignments/`), the temporary folders every command makes
(`tempfiles`) and the stub generator (`stubs`, which also tells a released stub from a started file).

It ships in the students' wheel beside course_cli: it holds no answers.
"""
