"""A character-level RNN language model in NumPy: a batched min-char-rnn built from the
reference layers (one-hot input, :func:`rnn_forward`, a temporal affine read-out, softmax
cross-entropy) and trained with truncated BPTT.

    h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)       x_t one-hot (V,)
    logits_t = W_hy h_t + b_y                                (V,)
    loss = mean_t -log softmax(logits_t)[c_{t+1}]            nats per character

params: the RNN layer's ``weight_ih (H, V)``, ``weight_hh (H, H)``, ``bias_ih (H,)``,
``bias_hh (H,)`` and the read-out ``weight_hy (V, H)``, ``bias_y (V,)``.
"""

from __future__ import annotations

import numpy as np

from ..data.text import stream_batches
from ..reference import (
    PARAM_NAMES,
    affine_forward,
    clip_grad_norm,
    cross_entropy,
    init_params,
    rnn_backward,
    rnn_forward,
    rnn_step_forward,
    softmax,
    temporal_affine_backward,
    temporal_affine_forward,
)
from ..train import History


def init_char_rnn(vocab_size, hidden_size, rng, scheme="xavier"):
    """Parameters for V = ``vocab_size`` characters and H = ``hidden_size`` units.

    The RNN layer uses :func:`init_params` with ``scheme``; the read-out is
    U(-1/sqrt(H), 1/sqrt(H)) like ``torch.nn.Linear``'s weight, with a zero bias.
    """
    params = init_params("rnn", vocab_size, hidden_size, scheme=scheme, rng=rng)
    k = 1.0 / np.sqrt(hidden_size)
    params["weight_hy"] = rng.uniform(-k, k, (vocab_size, hidden_size))
    params["bias_y"] = np.zeros(vocab_size)
    return params


def one_hot(ids, vocab_size):
    """Integer ids (...) -> float64 one-hot vectors (..., V)."""
    ids = np.asarray(ids)
    if not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"ids: expected integer character ids, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= vocab_size):
        raise ValueError(f"ids: expected values in [0, V={vocab_size}), got range "
                         f"[{ids.min()}, {ids.max()}]")
    return np.eye(vocab_size)[ids]


def _forward(params, x_ids, h0):
    """Logits (N, T, V) for input ids (N, T), and the caches the backward needs."""
    x_ids = np.asarray(x_ids)
    if x_ids.ndim != 2:
        raise ValueError(f"x_ids: expected a 2-d array of shape (N, T), got shape {x_ids.shape}")
    rnn = {k: params[k] for k in PARAM_NAMES}
    hs, rnn_cache = rnn_forward(one_hot(x_ids, params["weight_hy"].shape[0]), h0, rnn)
    logits, out_cache = temporal_affine_forward(hs, params["weight_hy"], params["bias_y"])
    return logits, hs, rnn_cache, out_cache


def _check_targets(x_ids, y_ids):
    if np.shape(x_ids) != np.shape(y_ids):
        raise ValueError(f"y_ids: expected the shape of x_ids {np.shape(x_ids)}, "
                         f"got {np.shape(y_ids)}")


def sequence_loss(params, x_ids, y_ids, h0=None):
    """Mean cross-entropy (nats/char) of predicting y_ids (N, T) from x_ids (N, T).

    h0 (N, H) or None (zeros). Returns ``(loss, h_T)``; pass h_T as the next
    chunk's h0 to read a long stream in pieces.
    """
    _check_targets(x_ids, y_ids)
    logits, hs, _, _ = _forward(params, x_ids, h0)
    loss, _ = cross_entropy(logits, y_ids)
    return loss, hs[:, -1]


def loss_and_grads(params, x_ids, y_ids, h0=None):
    """Loss, gradients (keyed like ``params``) and the last hidden state h_T (N, H).

    Backpropagation stops at h0: the gradient does not flow into earlier
    chunks (truncated BPTT), even when h0 carries their state forward.
    """
    _check_targets(x_ids, y_ids)
    logits, hs, rnn_cache, out_cache = _forward(params, x_ids, h0)
    loss, dlogits = cross_entropy(logits, y_ids)
    dhs, out_grads = temporal_affine_backward(dlogits, out_cache)
    _, _, grads = rnn_backward(dhs, rnn_cache)
    grads["weight_hy"], grads["bias_y"] = out_grads["weight"], out_grads["bias"]
    return loss, grads, hs[:, -1]


def stream_loss(params, ids, batch_size=32, seq_len=100):
    """Mean loss (nats/char) over a whole id stream, read in lanes with the state carried."""
    total, count, h = 0.0, 0, None
    for x_ids, y_ids in stream_batches(ids, batch_size, seq_len):
        loss, h = sequence_loss(params, x_ids, y_ids, h)
        total, count = total + loss, count + 1
    return total / count


def sample(params, start_id, length, rng, h=None, temperature=1.0):
    """Generate ``length`` ids after ``start_id``, drawing each from softmax(logits / temperature).

    h (1, H) or None (zeros). Returns an int64 array of ``length`` ids.
    """
    if not temperature > 0:
        raise ValueError(f"temperature: expected a positive number, got {temperature}")
    vocab, hidden = params["weight_hy"].shape
    rnn = {k: params[k] for k in PARAM_NAMES}
    h = np.zeros((1, hidden)) if h is None else h
    out, current = np.empty(length, dtype=np.int64), start_id
    for t in range(length):
        h, _ = rnn_step_forward(one_hot([current], vocab), h, rnn)
        logits, _ = affine_forward(h, params["weight_hy"], params["bias_y"])
        current = out[t] = rng.choice(vocab, p=softmax(logits[0] / temperature))
    return out


def fit(params, train_ids, optimizer, steps, *, batch_size=32, seq_len=25, clip=5.0,
        evaluate=None, eval_every=None):
    """Train in place for ``steps`` updates with truncated BPTT; return a :class:`History`.

    The training stream is cut into ``batch_size`` lanes (:func:`stream_batches`);
    each update sees the next ``seq_len`` characters of every lane, starting from
    the hidden state the previous chunk ended in. The state restarts at zero when
    the stream is exhausted. Gradients are clipped to global norm ``clip``.
    ``evaluate(params) -> dict`` runs every ``eval_every`` steps and at the end.
    """
    if steps < 1:
        raise ValueError(f"steps: expected a positive number of steps, got {steps}")
    history, step = History(), 0
    while step < steps:
        h = None
        for x_ids, y_ids in stream_batches(train_ids, batch_size, seq_len):
            loss, grads, h = loss_and_grads(params, x_ids, y_ids, h)
            clip_grad_norm(grads, clip)
            optimizer.step(params, grads)
            step += 1
            history.steps.append(step)
            history.train_loss.append(loss)
            if evaluate is not None and (step == steps or (eval_every and step % eval_every == 0)):
                history.eval_steps.append(step)
                history.eval_metrics.append(evaluate(params))
            if step == steps:
                break
    return history
