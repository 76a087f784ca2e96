"""What runs inside the grading kernels: the agent in the student's kernel, the bridge in the judge's.

``wire`` is the value format between them (values, never code, from the student's side). These
modules live apart from ``autograder.grading`` so that importing them in a notebook's kernel leaves
``autograder.grading()`` (the function notebooks call) as it is.
"""
