"""One registry for every method of every step.

Built-in methods register with the same decorator a user's own function uses::

    from aicap.index import register

    @register("normalise", "cube_root", aliases=("n_cuberoot",))
    def cube_root(x, *, scale=1.0):
        return np.cbrt(x) * scale

Each kind of step has its own calling convention (see :data:`CONVENTIONS`). Names are looked up
case-sensitively; COINr's names (``n_minmax``, ``a_gmean``, ``i_mean_grp``...) are aliases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, get_args

from aicap.index.errors import UnknownMethodError

Kind = Literal["denominate", "impute", "screen", "treat", "normalise", "weight", "aggregate"]
KINDS: tuple[str, ...] = get_args(Kind)

CONVENTIONS: dict[str, str] = {
    "denominate": "f(x (..., n, k), d (..., n, k), **params) -> (..., n, k)",
    "impute": "f(x (n, k), **params) -> (n, k); needs 'groups' -> groups= int codes (n,),"
    " -1 = none; needs 'panel' -> f(cube (T, n, k), times (T,), **params) -> cube",
    "screen": "f(x (n, k), **params) -> included bool (n,)",
    "treat": "f(x (n, k), **params) -> (treated (n, k), flags str (n, k))",
    "normalise": "f(x (..., n, k), **params) -> (..., n, k); direction already applied",
    "weight": "f(context: WeightContext, **params) -> weights by element code (dict)",
    "aggregate": "f(x (..., n, c), w (..., c, g), **params) -> (..., n, g); w[i, j] > 0 when"
    " child i belongs to aggregate j",
}

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Method:
    """A registered method."""

    kind: str
    name: str
    func: Callable[..., Any]
    aliases: tuple[str, ...] = ()
    needs: frozenset[str] = field(default_factory=frozenset)
    doc: str = ""


class Registry:
    """Methods by kind and name (aliases included)."""

    def __init__(self) -> None:
        self._methods: dict[str, dict[str, Method]] = {k: {} for k in KINDS}
        self._names: dict[str, dict[str, str]] = {k: {} for k in KINDS}

    def register(
        self,
        kind: Kind,
        name: str,
        *,
        aliases: tuple[str, ...] = (),
        needs: tuple[str, ...] = (),
        replace: bool = False,
    ) -> Callable[[F], F]:
        """Decorator adding ``func`` as method ``name`` of ``kind``."""
        if kind not in self._methods:
            raise ValueError(f"unknown kind {kind!r}; kinds are {', '.join(KINDS)}")

        def deco(func: F) -> F:
            names = self._names[kind]
            for n in (name, *aliases):
                if n in names and not replace:
                    raise ValueError(f"{kind} method name {n!r} is already registered")
            doc = (func.__doc__ or "").strip().split("\n")[0]
            self._methods[kind][name] = Method(kind, name, func, aliases, frozenset(needs), doc)
            for n in (name, *aliases):
                names[n] = name
            return func

        return deco

    def get(self, kind: str, name: str, label: str = "recipe", location: str = "") -> Method:
        """The method called ``name`` (or an alias); an unknown name lists the valid ones."""
        names = self._names.get(kind)
        if names is None or name not in names:
            raise UnknownMethodError(label, location, kind, name, self.names(kind))
        return self._methods[kind][names[name]]

    def has(self, kind: str, name: str) -> bool:
        return name in self._names.get(kind, {})

    def names(self, kind: str) -> list[str]:
        """All valid names (canonical and aliases) for ``kind``, sorted."""
        return sorted(self._names.get(kind, {}))

    def methods(self, kind: str) -> list[Method]:
        return list(self._methods.get(kind, {}).values())

    def canonical(self, kind: str, name: str) -> str:
        return self.get(kind, name).name


REGISTRY = Registry()
register = REGISTRY.register
