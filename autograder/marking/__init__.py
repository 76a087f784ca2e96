"""Grading written answers by hand: `autograder mark LAB` (a local page, or a CSV sheet), into nbgrader's gradebook."""
