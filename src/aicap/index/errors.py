"""Errors raised by the index engine, each naming where the problem is and the rule broken."""

from __future__ import annotations


class EngineError(ValueError):
    """Base class for engine errors (a ``ValueError``)."""


class ValidationError(EngineError):
    """Invalid framework, recipe or data.

    The message reads ``<label>: <location>: <rule>``, where ``label`` is the file name (or any
    label) passed by the caller, ``location`` the row or field and ``rule`` the rule broken.
    """

    def __init__(self, label: str, location: str, rule: str) -> None:
        self.label = label
        self.location = location
        self.rule = rule
        where = f"{label}: {location}" if location else label
        super().__init__(f"{where}: {rule}")


class UnknownMethodError(ValidationError):
    """A recipe names a method that is not in the registry."""

    def __init__(self, label: str, location: str, kind: str, name: str, valid: list[str]) -> None:
        self.kind = kind
        self.name = name
        self.valid = valid
        super().__init__(
            label,
            location,
            f"unknown {kind} method {name!r}; valid methods: {', '.join(valid)}",
        )


class ComputationError(EngineError):
    """A method could not be applied to the data (e.g. a geometric mean of a negative value)."""
