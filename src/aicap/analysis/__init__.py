"""Analysis: diagnose, divide, recommend, cooperate (built on index and warehouse)."""
