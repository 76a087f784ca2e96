"""For the end of the grading day: per-student feedback, grade exports and the class report."""
