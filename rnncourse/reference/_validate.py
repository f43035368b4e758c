"""Input checks that fail early with a message naming what was expected and what was received."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .caches import Params

#: Number of gate blocks stacked in ``weight_ih``/``weight_hh`` for each cell type.
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def as_float(arr: npt.ArrayLike) -> np.ndarray:
    """``arr`` as a NumPy array of float32 (kept, for speed comparisons) or float64 (the rest)."""
    arr = np.asarray(arr)
    return arr if arr.dtype in (np.float32, np.float64) else arr.astype(np.float64)


def _fmt(shape: tuple[int | None, ...], names: tuple[str, ...]) -> str:
    parts = [names[i] if s is None else f"{names[i]}={s}" for i, s in enumerate(shape)]
    return "(" + ", ".join(parts) + ")"


def check_array(name: str, arr: object, shape: tuple[int | None, ...], dims: tuple[str, ...],
                *, finite: bool = True) -> np.ndarray:
    """Return ``arr`` as a float array after checking rank, sizes and finiteness.

    float32 input stays float32 (for speed comparisons); everything else becomes float64.

    ``shape`` holds the expected size of each axis, ``None`` for any size;
    ``dims`` names the axes, e.g. ``("N", "T", "D")``.
    """
    if not isinstance(arr, np.ndarray | float | int | list | tuple):
        raise TypeError(f"{name}: expected a NumPy array of shape {_fmt(shape, dims)}, "
                        f"got {type(arr).__name__}")
    arr = as_float(arr)
    if arr.ndim != len(shape):
        raise ValueError(f"{name}: expected a {len(shape)}-d array of shape {_fmt(shape, dims)}, "
                         f"got {arr.ndim}-d array of shape {arr.shape}")
    for axis, (want, got) in enumerate(zip(shape, arr.shape, strict=True)):
        if want is not None and want != got:
            raise ValueError(f"{name}: expected shape {_fmt(shape, dims)}, got {arr.shape} "
                             f"(axis {axis}, {dims[axis]}: expected {want}, got {got})")
    if finite and not np.isfinite(arr).all():
        bad = int(arr.size - np.isfinite(arr).sum())
        raise ValueError(f"{name}: expected finite values, got {bad} NaN/inf entries")
    return arr


def check_params(params: Params, cell: str) -> tuple[int, int]:
    """Check a parameter dict in PyTorch's layout for ``cell`` in {"rnn", "lstm", "gru"}.

    Returns ``(D, H)``: input and hidden size.
    """
    if not isinstance(params, dict):
        raise TypeError(f"params: expected a dict with keys {PARAM_NAMES}, "
                        f"got {type(params).__name__}")
    missing = [k for k in PARAM_NAMES if k not in params]
    if missing:
        raise ValueError(f"params: expected keys {PARAM_NAMES}, missing {missing}")
    g = GATES[cell]
    w_hh = np.asarray(params["weight_hh"])
    if w_hh.ndim != 2 or w_hh.shape[0] != g * w_hh.shape[1]:
        raise ValueError(f"params['weight_hh']: expected shape ({g}*H, H) for {cell.upper()}, "
                         f"got {w_hh.shape}")
    h = w_hh.shape[1]
    d = np.asarray(params["weight_ih"]).shape[-1]
    expected = {"weight_ih": (g * h, d), "weight_hh": (g * h, h),
                "bias_ih": (g * h,), "bias_hh": (g * h,)}
    for key, shape in expected.items():
        got = np.shape(params[key])
        if got != shape:
            raise ValueError(f"params[{key!r}]: expected shape {shape} for {cell.upper()} with "
                             f"D={d}, H={h}, got {got}")
        if not np.isfinite(params[key]).all():
            raise ValueError(f"params[{key!r}]: expected finite values, got NaN/inf")
    return d, h


def check_grad(name: str, dout: npt.ArrayLike, like: np.ndarray) -> np.ndarray:
    """Check that an upstream gradient has the shape of the forward output it belongs to."""
    dout = as_float(dout)
    if dout.shape != like.shape:
        raise ValueError(f"{name}: expected shape {like.shape} (same as the forward output), "
                         f"got {dout.shape}")
    return dout
