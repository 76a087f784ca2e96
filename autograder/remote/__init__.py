"""What runs inside the grading kernels: the agent in the student's kernel, the bridge in the judge's.

``wire`` is the value format between them (values, never code, from the student's side). They
live apart from ``autograder.grader`` (the instructor's engine): a student's kernel imports only
this light package.
"""
