"""Layers around the recurrent cells, as forward/backward pairs (NumPy, float64).

Weights follow ``torch.nn.Linear``/``torch.nn.Embedding``: ``weight`` is
``(out_features, in_features)`` and ``(num_embeddings, embedding_dim)``.
Every backward takes the upstream gradient and the forward's cache.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_array
from .activations import log_softmax
from .caches import AffineCache, EmbeddingCache, Params


def affine_forward(x: np.ndarray, weight: np.ndarray,
                   bias: np.ndarray) -> tuple[np.ndarray, AffineCache]:
    """y = x W^T + b for x (..., D), weight (M, D), bias (M,) -> y (..., M), cache.

    The leading axes are free, so the same pair serves a single step ``(N, D)``
    and a whole sequence ``(N, T, D)`` (the "temporal affine" layer).
    """
    weight = check_array("weight", weight, (None, None), ("M", "D"))
    m, d = weight.shape
    bias = check_array("bias", bias, (m,), ("M",))
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 1 or x.shape[-1] != d:
        raise ValueError(f"x: expected shape (..., D={d}) to match weight {weight.shape}, "
                         f"got {x.shape}")
    out = x @ weight.T + bias
    return out, AffineCache(x, weight)


def affine_backward(dout: np.ndarray, cache: AffineCache) -> tuple[np.ndarray, Params]:
    """Gradients of :func:`affine_forward`: dout (..., M) -> dx (..., D), grads."""
    x, weight = cache
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape != x.shape[:-1] + (weight.shape[0],):
        raise ValueError(f"dout: expected shape {x.shape[:-1] + (weight.shape[0],)}, "
                         f"got {dout.shape}")
    d2 = dout.reshape(-1, weight.shape[0])
    grads = {"weight": d2.T @ x.reshape(-1, weight.shape[1]), "bias": d2.sum(axis=0)}
    return dout @ weight, grads


def temporal_affine_forward(x: np.ndarray, weight: np.ndarray,
                            bias: np.ndarray) -> tuple[np.ndarray, AffineCache]:
    """Affine map applied at every time step: x (N, T, H) -> y (N, T, M), cache."""
    check_array("x", x, (None, None, None), ("N", "T", "H"))
    return affine_forward(x, weight, bias)


def temporal_affine_backward(dout: np.ndarray,
                             cache: AffineCache) -> tuple[np.ndarray, Params]:
    """Gradients of :func:`temporal_affine_forward`: dout (N, T, M) -> dx (N, T, H), grads."""
    return affine_backward(dout, cache)


def embedding_forward(idx: np.ndarray,
                      weight: np.ndarray) -> tuple[np.ndarray, EmbeddingCache]:
    """Look up rows of weight (V, D) for integer indices idx (N, T) -> out (N, T, D), cache."""
    weight = check_array("weight", weight, (None, None), ("V", "D"))
    idx = np.asarray(idx)
    if not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"idx: expected integer token indices, got dtype {idx.dtype}")
    v = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= v):
        raise ValueError(f"idx: expected values in [0, V={v}), got range "
                         f"[{idx.min()}, {idx.max()}]")
    return weight[idx], EmbeddingCache(idx, weight.shape)


def embedding_backward(dout: np.ndarray, cache: EmbeddingCache) -> Params:
    """Gradient of :func:`embedding_forward` w.r.t. the table: dout (N, T, D) -> grads.

    Repeated indices accumulate (``np.add.at``), which plain fancy-index
    assignment would silently get wrong.
    """
    idx, shape = cache
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape != idx.shape + (shape[1],):
        raise ValueError(f"dout: expected shape {idx.shape + (shape[1],)}, got {dout.shape}")
    dw = np.zeros(shape)
    np.add.at(dw, idx, dout)
    return {"weight": dw}


def cross_entropy(logits: np.ndarray, targets: np.ndarray,
                  mask: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy over the unmasked positions, and its gradient.

    logits (..., V); targets (...) integer classes; mask (...) boolean, True
    where a position counts (padding is False). The loss is averaged over the
    counted positions, like ``torch.nn.functional.cross_entropy`` with
    ``ignore_index``. Returns ``(loss, dlogits)``; the gradient is
    ``(softmax(logits) - onehot(targets)) / count`` at counted positions, zero
    elsewhere: no extra sigmoid or softmax derivative appears.
    """
    logits = np.asarray(logits, dtype=np.float64)
    targets = np.asarray(targets)
    if logits.ndim < 1 or logits.shape[:-1] != targets.shape:
        raise ValueError(f"targets: expected shape {logits.shape[:-1]} (logits without the class "
                         f"axis), got {targets.shape}")
    if not np.issubdtype(targets.dtype, np.integer):
        raise ValueError(f"targets: expected integer class indices, got dtype {targets.dtype}")
    v = logits.shape[-1]
    if mask is None:
        mask = np.ones(targets.shape, dtype=bool)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != targets.shape:
        raise ValueError(f"mask: expected shape {targets.shape}, got {mask.shape}")
    tgt = np.where(mask, targets, 0)
    if tgt.size and (tgt.min() < 0 or tgt.max() >= v):
        raise ValueError(f"targets: expected values in [0, V={v}), got range "
                         f"[{tgt.min()}, {tgt.max()}]")
    count = max(int(mask.sum()), 1)
    logp = log_softmax(logits)
    picked = np.take_along_axis(logp, tgt[..., None], axis=-1)[..., 0]
    loss = -(picked * mask).sum() / count
    dlogits = np.exp(logp)
    np.put_along_axis(dlogits, tgt[..., None],
                      np.take_along_axis(dlogits, tgt[..., None], axis=-1) - 1.0, axis=-1)
    dlogits *= (mask / count)[..., None]
    return float(loss), dlogits


def mse_loss(pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error over all elements and its gradient: returns (loss, dpred)."""
    pred = np.asarray(pred, dtype=np.float64)
    target = check_array("target", target, pred.shape, tuple(f"d{i}" for i in range(pred.ndim)))
    diff = pred - target
    return float((diff * diff).mean()), 2.0 * diff / diff.size
