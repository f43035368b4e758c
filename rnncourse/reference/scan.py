"""The linear recurrence h_t = a_t * h_{t-1} + b_t (elementwise) and its scans, in NumPy.

a, b (N, T, H), h0 (N, H): one independent recurrence per batch row and channel. The
sequential loop (:func:`linear_scan`) is the reference; its backward
(:func:`linear_scan_backward`) is the same recurrence run backwards in time. Because the
step is an affine map and affine maps compose associatively (:func:`combine`), the
prefixes can also be computed in parallel: Hillis & Steele's scan (O(T log T) work,
log2 T levels), Blelloch's work-efficient scan (O(T) work, 2 log2 T levels), a chunked
scan (a closed form inside each chunk, a short sequential pass across chunks) and the
log-space scan of Heinsen (2023) for positive a. Each returns hs (N, T, H) equal to the
loop's up to rounding. Real arrays stay float32 or become float64; complex arrays (the
LRU's diagonal) become complex128.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._validate import as_float
from .caches import ScanCache

Pair = tuple[np.ndarray, np.ndarray]


def combine(first: Pair, second: Pair) -> Pair:
    """Compose two steps: apply (a1, b1), then (a2, b2).

    h -> a2 (a1 h + b1) + b2 = (a1 a2) h + (a2 b1 + b2), so the composite step is
    (a1 a2, a2 b1 + b2). The operation is associative, not commutative; (1, 0) is its identity.
    """
    a1, b1 = first
    a2, b2 = second
    return a1 * a2, a2 * b1 + b2


def _as_scan_array(name: str, arr: npt.ArrayLike) -> np.ndarray:
    arr = np.asarray(arr)
    if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.timedelta64):
        raise TypeError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
    arr = arr.astype(np.complex128) if np.iscomplexobj(arr) else as_float(arr)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name}: expected finite values, got "
                         f"{int(arr.size - np.isfinite(arr).sum())} NaN/inf entries")
    return arr


def check_scan_inputs(a: npt.ArrayLike, b: npt.ArrayLike,
                      h0: npt.ArrayLike | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate a, b (N, T, H) of one shape with T >= 1, and h0 (N, H) or None (zeros).

    Returns the three arrays in one dtype (the common one of float32/float64/complex128).
    """
    a_arr, b_arr = _as_scan_array("a", a), _as_scan_array("b", b)
    if a_arr.ndim != 3:
        raise ValueError(f"a: expected a 3-d array of shape (N, T, H), got {a_arr.ndim}-d "
                         f"array of shape {a_arr.shape}")
    if b_arr.shape != a_arr.shape:
        raise ValueError(f"b: expected shape {a_arr.shape} (the shape of a, (N, T, H)), "
                         f"got {b_arr.shape}")
    n, steps, hid = a_arr.shape
    if steps == 0:
        raise ValueError(f"a: expected at least one time step (T >= 1), got shape {a_arr.shape}")
    if h0 is None:
        h0_arr = np.zeros((n, hid), np.result_type(a_arr, b_arr))
    else:
        h0_arr = _as_scan_array("h0", h0)
        if h0_arr.shape != (n, hid):
            raise ValueError(f"h0: expected shape (N={n}, H={hid}), got {h0_arr.shape}")
    dtype = np.result_type(a_arr, b_arr, h0_arr)
    return a_arr.astype(dtype, copy=False), b_arr.astype(dtype, copy=False), \
        h0_arr.astype(dtype, copy=False)


def _loop(a: np.ndarray, b: np.ndarray, h0: np.ndarray) -> np.ndarray:
    hs = np.empty_like(b)
    h = h0
    for t in range(a.shape[1]):
        h = hs[:, t] = a[:, t] * h + b[:, t]
    return hs


def linear_scan(a: npt.ArrayLike, b: npt.ArrayLike,
                h0: npt.ArrayLike | None = None) -> tuple[np.ndarray, ScanCache]:
    """The sequential reference: h_t = a_t * h_{t-1} + b_t for t = 1..T.

    a, b (N, T, H), h0 (N, H) or None (zeros) -> hs (N, T, H), cache.
    """
    a, b, h0 = check_scan_inputs(a, b, h0)
    hs = _loop(a, b, h0)
    return hs, ScanCache(a, h0, hs)


def linear_scan_backward(dhs: npt.ArrayLike,
                         cache: ScanCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward of :func:`linear_scan` as a reverse scan: dhs (N, T, H) -> da, db, dh0.

    The total gradient at state t, g_t = dL/dh_t, collects dhs_t and what flows back
    from h_{t+1} = a_{t+1} h_t + b_{t+1}:

        g_t = a_{t+1} * g_{t+1} + dhs_t,   g_T = dhs_T,

    the same linear recurrence run from T down to 1 with the coefficients shifted by one
    step. Then dL/db_t = g_t, dL/da_t = g_t * h_{t-1} and dL/dh0 = a_1 * g_1.
    """
    a, h0, hs = cache
    dhs = _as_scan_array("dhs", dhs)                        # complex for complex recurrences
    if dhs.shape != hs.shape:
        raise ValueError(f"dhs: expected shape {hs.shape} (same as the forward output), "
                         f"got {dhs.shape}")
    a_next = np.concatenate([a[:, 1:], np.zeros_like(a[:, :1])], axis=1)
    g = _loop(a_next[:, ::-1], dhs[:, ::-1], np.zeros_like(h0))[:, ::-1]
    h_prev = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)
    return g * h_prev, g, a[:, 0] * g[:, 0]


def hillis_steele_scan(a: npt.ArrayLike, b: npt.ArrayLike,
                       h0: npt.ArrayLike | None = None) -> np.ndarray:
    """Hillis & Steele's inclusive scan: ceil(log2 T) levels, O(T log T) work -> hs (N, T, H).

    At the level with offset d, every position t >= d combines the prefix that ends at
    t - d into its own: after the level, position t holds the composite of steps
    max(1, t - 2d + 1)..t. All positions of a level are independent (one vector operation).
    """
    a, b, h0 = check_scan_inputs(a, b, h0)
    acc_a, acc_b = a.copy(), b.copy()
    offset = 1
    while offset < a.shape[1]:
        acc_a[:, offset:], acc_b[:, offset:] = combine(
            (acc_a[:, :-offset], acc_b[:, :-offset]), (acc_a[:, offset:], acc_b[:, offset:]))
        offset *= 2
    return acc_a * h0[:, None] + acc_b


def blelloch_scan(a: npt.ArrayLike, b: npt.ArrayLike,
                  h0: npt.ArrayLike | None = None) -> np.ndarray:
    """Blelloch's work-efficient scan: an up-sweep and a down-sweep over a balanced tree.

    T is padded with identity steps (1, 0) to a power of two P. The up-sweep stores, at
    the right end of every block of 2d steps, the composite of that block (P - 1
    combines in all); the down-sweep replaces each entry by the composite of everything
    before its block (an exclusive scan, another P - 1 combines); one last combine with
    each step's own (a_t, b_t) makes it inclusive. O(T) work, 2 log2 P levels -> hs (N, T, H).
    """
    a, b, h0 = check_scan_inputs(a, b, h0)
    n, steps, hid = a.shape
    size = 1 << (steps - 1).bit_length()
    acc_a = np.ones((n, size, hid), a.dtype)
    acc_b = np.zeros((n, size, hid), a.dtype)
    acc_a[:, :steps], acc_b[:, :steps] = a, b
    half = 1
    while half < size:                                       # up-sweep
        left, right = slice(half - 1, size, 2 * half), slice(2 * half - 1, size, 2 * half)
        acc_a[:, right], acc_b[:, right] = combine((acc_a[:, left], acc_b[:, left]),
                                                   (acc_a[:, right], acc_b[:, right]))
        half *= 2
    acc_a[:, -1], acc_b[:, -1] = 1, 0                        # nothing comes before the root
    while half > 1:                                          # down-sweep
        half //= 2
        left, right = slice(half - 1, size, 2 * half), slice(2 * half - 1, size, 2 * half)
        block_a, block_b = acc_a[:, left].copy(), acc_b[:, left].copy()
        acc_a[:, left], acc_b[:, left] = acc_a[:, right], acc_b[:, right]
        acc_a[:, right], acc_b[:, right] = combine((acc_a[:, right], acc_b[:, right]),
                                                   (block_a, block_b))
    incl_a, incl_b = combine((acc_a[:, :steps], acc_b[:, :steps]), (a, b))
    return incl_a * h0[:, None] + incl_b


def chunk_matrices(a_chunks: np.ndarray) -> np.ndarray:
    """The closed form of a chunk: a (..., C, H) -> L (..., C, C, H) with h = L @ b inside it.

    L[j, k] = a_{k+1} a_{k+2} ... a_j for k <= j (1 on the diagonal) and 0 above it: the
    factor by which step k's input b_k survives to step j. Built by a cumulative product
    down each column, without division, so gates equal to 0 are fine.
    """
    size = a_chunks.shape[-2]
    below = np.arange(size)[:, None] > np.arange(size)[None, :]          # j > k
    factors = np.where(below[..., None], a_chunks[..., :, None, :], 1.0)  # a_j if j > k
    return np.cumprod(factors, axis=-3) * (~below.T)[..., None]          # keep j >= k


def chunked_scan(a: npt.ArrayLike, b: npt.ArrayLike, h0: npt.ArrayLike | None = None,
                 chunk: int = 16) -> np.ndarray:
    """A scan in chunks of ``chunk`` steps: closed form inside, sequential across -> hs (N, T, H).

    Inside chunk c (all chunks at once): its states started from zero, L_c @ b_c
    (:func:`chunk_matrices`), and the products P_j = a_1 ... a_j of its own gates. Across
    chunks, T / chunk sequential steps: the state entering chunk c is the last state of
    chunk c - 1, h_c,j = local_c,j + P_c,j * h_entering. T is padded with identity steps.
    """
    if not isinstance(chunk, int) or chunk < 1:
        raise ValueError(f"chunk: expected a positive integer, got {chunk!r}")
    a, b, h0 = check_scan_inputs(a, b, h0)
    n, steps, hid = a.shape
    n_chunks = -(-steps // chunk)
    pad = n_chunks * chunk - steps
    a_c = np.concatenate([a, np.ones((n, pad, hid), a.dtype)], 1).reshape(n, n_chunks, chunk, hid)
    b_c = np.concatenate([b, np.zeros((n, pad, hid), a.dtype)], 1).reshape(n, n_chunks, chunk,
                                                                           hid)
    local = np.einsum("ncjkh,nckh->ncjh", chunk_matrices(a_c), b_c)
    decay = np.cumprod(a_c, axis=2)
    hs = np.empty_like(local)
    h = h0
    for c in range(n_chunks):
        hs[:, c] = local[:, c] + decay[:, c] * h[:, None]
        h = hs[:, c, -1]
    return hs.reshape(n, n_chunks * chunk, hid)[:, :steps]


def log_space_scan(a: npt.ArrayLike, b: npt.ArrayLike,
                   h0: npt.ArrayLike | None = None) -> np.ndarray:
    """Heinsen's (2023) scan in log space, for real a > 0 -> hs (N, T, H).

    With A_t = a_1 ... a_t (A_0 = 1) and h0 counted as step 0's input,
    h_t = A_t * sum_{s <= t} b_s / A_s. In logs, log A_t is a cumulative sum and the
    sum over s a cumulative log-sum-exp, so neither A_t nor 1 / A_s is ever formed
    (no underflow for small gates). The positive and negative parts of b are summed
    separately and subtracted at the end, where large equal parts cancel.
    """
    a, b, h0 = check_scan_inputs(a, b, h0)
    if np.iscomplexobj(a):
        raise TypeError("a: the log-space scan expects real gates, got complex values")
    if (a <= 0).any():
        raise ValueError(f"a: the log-space scan expects a > 0, got {int((a <= 0).sum())} "
                         f"entries <= 0 (smallest {a.min():.3g})")
    log_a = np.concatenate([np.zeros_like(h0[:, None]), np.log(a)], axis=1)
    inputs = np.concatenate([h0[:, None], b], axis=1)
    log_decay = np.cumsum(log_a, axis=1)
    hs = np.zeros_like(inputs)
    with np.errstate(divide="ignore"):                     # log 0 = -inf: a zero term
        for sign in (1.0, -1.0):
            log_part = np.log(np.maximum(sign * inputs, 0.0))
            hs += sign * np.exp(log_decay + np.logaddexp.accumulate(log_part - log_decay, 1))
    return hs[:, 1:]


#: The parallel forms by name, each ``(a, b, h0=None) -> hs``; the loop is :func:`linear_scan`.
PARALLEL_SCANS = {"hillis_steele": hillis_steele_scan, "blelloch": blelloch_scan,
                  "chunked": chunked_scan, "log": log_space_scan}
