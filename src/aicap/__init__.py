"""aicap: the AI Capacity Observatory."""

__version__ = "0.1.0"
