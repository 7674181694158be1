"""Composite-indicator engine: pure numpy/pandas, no I/O.

Layers, bottom-up: array-level methods (``normalise``, ``aggregate``, ``impute``, ``treat``,
``screen``, ``denominate``, ``weights``), registered in one :data:`REGISTRY`; the frame level
(``pipeline``), which applies a recipe step to a stage; and :class:`Composite`, which keeps the
framework, the recipe, every stage and the per-cell flags.
"""

from aicap.index import aggregate, denominate, impute, normalise, screen, treat, weights
from aicap.index.composite import Composite, build, compare, prepare
from aicap.index.errors import ComputationError, EngineError, UnknownMethodError, ValidationError
from aicap.index.framework import Aggregate, Framework, Indicator, Tree
from aicap.index.recipe import Recipe, Step
from aicap.index.registry import REGISTRY, Method, Registry, register

__all__ = [
    "REGISTRY",
    "Aggregate",
    "Composite",
    "ComputationError",
    "EngineError",
    "Framework",
    "Indicator",
    "Method",
    "Recipe",
    "Registry",
    "Step",
    "Tree",
    "UnknownMethodError",
    "ValidationError",
    "aggregate",
    "build",
    "compare",
    "denominate",
    "impute",
    "normalise",
    "prepare",
    "register",
    "screen",
    "treat",
    "weights",
]
