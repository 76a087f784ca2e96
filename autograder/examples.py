"""``python -m autograder.examples [LAB…]``: (re)write the bundled example classes (autograder/authoring/examples.py)."""
from .authoring.examples import main

if __name__ == "__main__":
    raise SystemExit(main())
