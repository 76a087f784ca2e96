"""For graders: collecting submissions, and nbgrader's autograde made parallel, isolated and unbreakable."""
