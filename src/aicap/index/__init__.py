"""Composite-indicator engine: pure numpy/pandas, no I/O."""
