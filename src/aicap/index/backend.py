"""Array backends for the batched uncertainty engine.

The engine is written against the Python array API standard through ``array_api_compat``, so
the same code runs on NumPy (default), CuPy or PyTorch (a GPU, when the user has one) and on
``array_api_strict`` (the tests use it to exercise the non-NumPy path). CuPy and PyTorch are
imported only when asked for.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

BACKENDS = ("numpy", "cupy", "torch", "array_api_strict")

_INSTALL = {
    "cupy": "pip install cupy-cuda12x (needs an NVIDIA GPU and CUDA)",
    "torch": "pip install torch (a CUDA build for an NVIDIA GPU)",
    "array_api_strict": "pip install array-api-strict",
}


class BackendError(ValueError):
    """An unknown backend, or one whose library is not installed."""


@dataclass(frozen=True)
class Backend:
    """An array namespace ``xp`` and the device arrays are created on."""

    name: str
    xp: Any
    device: Any = None

    @property
    def is_numpy(self) -> bool:
        return self.name == "numpy"

    def asarray(self, x: Any, dtype: Any = None) -> Any:
        """A host (NumPy) array on this backend's device."""
        if self.is_numpy:
            return np.asarray(x, dtype=dtype)
        if self.device is None:
            return self.xp.asarray(x, dtype=dtype)
        return self.xp.asarray(x, dtype=dtype, device=self.device)

    def to_numpy(self, x: Any) -> npt.NDArray[Any]:
        """Back to a host NumPy array."""
        if isinstance(x, np.ndarray):
            return x
        if self.name == "cupy":
            return np.asarray(x.get())
        if self.name == "torch":
            return np.asarray(x.detach().cpu().numpy())
        return np.from_dlpack(x)


def device_of(x: Any) -> Any:
    """The device an array lives on (``None`` for NumPy)."""
    if isinstance(x, np.ndarray):
        return None
    from array_api_compat import device

    return device(x)


def like(xp: Any, ref: Any, x: Any, dtype: Any = None) -> Any:
    """``x`` as an array on the device of ``ref`` (NumPy: a NumPy array)."""
    if xp is np:
        return np.asarray(x, dtype=dtype)
    return xp.asarray(x, dtype=dtype, device=device_of(ref))


def get_backend(name: str = "numpy") -> Backend:
    """The backend called ``name``: ``numpy`` (default), ``cupy``, ``torch`` (on CUDA when
    available) or ``array_api_strict`` (CPU, for testing). A missing library is a clear error."""
    if name not in BACKENDS:
        raise BackendError(f"unknown backend {name!r}; backends are {', '.join(BACKENDS)}")
    if name == "numpy":
        return Backend("numpy", np)
    try:
        lib = importlib.import_module(name)
    except ImportError:
        raise BackendError(
            f"backend {name!r} needs the {name} package, which is not installed: {_INSTALL[name]}"
        ) from None
    if name == "array_api_strict":
        # a device other than the default: an array created without ``device=`` lands on the
        # default one, and combining the two is an error, as it is with CPU and GPU arrays
        return Backend(name, lib, lib.Device("device1"))
    from array_api_compat import array_namespace

    if name == "torch":
        dev = "cuda" if lib.cuda.is_available() else "cpu"
        probe = lib.zeros(1, dtype=lib.float64, device=dev)
        return Backend(name, array_namespace(probe), probe.device)
    probe = lib.zeros(1)
    return Backend(name, array_namespace(probe))
