"""nbgrader's configuration for this course: one source of truth in autograder.course."""
from autograder.course import configure

configure(get_config())  # noqa: F821 - get_config is provided by nbgrader's config loader
