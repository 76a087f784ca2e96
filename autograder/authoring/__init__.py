"""For lab authors: the build (assignments/ -> source/ -> release/), the one-kernel self-test, the example classes."""
