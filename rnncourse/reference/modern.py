"""Recurrent layers whose recurrence is linear in the state, in NumPy, batch-first.

Each is one call of :func:`.scan.linear_scan` between pointwise maps, so it can train in
parallel over time, and each backward pass is built on :func:`.scan.linear_scan_backward`:
minGRU and minLSTM (Feng et al. 2024), the LRU (Orvieto et al. 2023; a complex scan,
whose backward runs on the conjugates), a selective state-space layer (after Mamba's S6,
Gu & Dao 2023) and linear attention (Katharopoulos et al. 2020). The PyTorch modules of
:mod:`rnncourse.torch.modern` are checked against these in float64.

Parameter dicts use the names of the PyTorch modules' parameters (for ``nn.Linear``
layers, the weight and bias names below).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._validate import check_array, check_grad
from .activations import sigmoid
from .caches import (
    LinearAttentionCache,
    LRUCache,
    MinGRUCache,
    MinLSTMCache,
    Params,
    ScanCache,
    SelectiveSSMCache,
)
from .scan import linear_scan, linear_scan_backward


def _check_layer(name: str, x: npt.ArrayLike, params: Params, keys: tuple[str, ...],
                 rows: int) -> tuple[np.ndarray, int]:
    """Check x (N, T, D) and params[keys] = weight (rows*H, D), bias (rows*H,); returns x, H."""
    missing = [k for k in keys if k not in params]
    if missing:
        raise ValueError(f"params: expected keys {keys} for {name}, missing {missing}")
    weight = np.asarray(params["weight"])
    if weight.ndim != 2 or weight.shape[0] % rows:
        raise ValueError(f"params['weight']: expected shape ({rows}*H, D) for {name}, got "
                         f"{weight.shape}")
    hid, d = weight.shape[0] // rows, weight.shape[1]
    if np.shape(params["bias"]) != (rows * hid,):
        raise ValueError(f"params['bias']: expected shape ({rows * hid},) for {name} with "
                         f"H={hid}, got {np.shape(params['bias'])}")
    x_arr = check_array("x", x, (None, None, d), ("N", "T", "D"))
    if x_arr.shape[1] == 0:
        raise ValueError("x: expected at least one time step (T >= 1), got T=0")
    return x_arr, hid


def _input_grads(dpre: np.ndarray, x: np.ndarray, params: Params) -> tuple[np.ndarray, Params]:
    """Backward of pre = x W^T + bias: dpre (N, T, G) -> dx (N, T, D), {weight, bias}."""
    return dpre @ params["weight"], {
        "weight": np.einsum("ntg,ntd->gd", dpre, x), "bias": dpre.sum(axis=(0, 1))}


def mingru_forward(x: npt.ArrayLike, h0: npt.ArrayLike | None,
                   params: Params) -> tuple[np.ndarray, MinGRUCache]:
    """minGRU: x (N, T, D), h0 (N, H) or None -> hs (N, T, H), cache.

        z_t = sigma(x_t W_z^T + b_z),  candidate_t = x_t W_h^T + b_h,
        h_t = (1 - z_t) * h_{t-1} + z_t * candidate_t,

    the GRU with h_{t-1} taken out of the gate and the candidate (and no reset gate), so
    the recurrence is linear: a = 1 - z, b = z * candidate. params: weight (2H, D) and
    bias (2H,), rows [z; candidate].
    """
    x_arr, hid = _check_layer("minGRU", x, params, ("weight", "bias"), 2)
    pre = x_arr @ params["weight"].T + params["bias"]
    z, candidate = sigmoid(pre[..., :hid]), pre[..., hid:]
    hs, scan = linear_scan(1.0 - z, z * candidate, h0)
    return hs, MinGRUCache(x_arr, z, candidate, scan, params)


def mingru_backward(dhs: npt.ArrayLike,
                    cache: MinGRUCache) -> tuple[np.ndarray, np.ndarray, Params]:
    """Backward of :func:`mingru_forward`: dhs (N, T, H) -> dx (N, T, D), dh0 (N, H), grads."""
    x, z, candidate, scan, params = cache
    da, db, dh0 = linear_scan_backward(check_grad("dhs", dhs, scan.hs), scan)
    dz = db * candidate - da                        # a = 1 - z, b = z * candidate
    dpre = np.concatenate([dz * z * (1.0 - z), db * z], axis=-1)
    dx, grads = _input_grads(dpre, x, params)
    return dx, dh0, grads


def minlstm_forward(x: npt.ArrayLike, h0: npt.ArrayLike | None,
                    params: Params) -> tuple[np.ndarray, MinLSTMCache]:
    """minLSTM: x (N, T, D), h0 (N, H) or None -> hs (N, T, H), cache.

        f_t = sigma(x_t W_f^T + b_f),  i_t = sigma(x_t W_i^T + b_i),
        candidate_t = x_t W_h^T + b_h,
        h_t = f_t / (f_t + i_t) * h_{t-1} + i_t / (f_t + i_t) * candidate_t,

    the LSTM without h_{t-1} in the gates, without the output gate and its tanh, and
    with the two gates normalised to sum to 1 (so h stays on the scale of the
    candidates). params: weight (3H, D), bias (3H,), rows [f; i; candidate].
    """
    x_arr, hid = _check_layer("minLSTM", x, params, ("weight", "bias"), 3)
    pre = x_arr @ params["weight"].T + params["bias"]
    f, i, candidate = sigmoid(pre[..., :hid]), sigmoid(pre[..., hid:2 * hid]), pre[..., 2 * hid:]
    keep = f / (f + i)
    hs, scan = linear_scan(keep, (1.0 - keep) * candidate, h0)
    return hs, MinLSTMCache(x_arr, f, i, candidate, scan, params)


def minlstm_backward(dhs: npt.ArrayLike,
                     cache: MinLSTMCache) -> tuple[np.ndarray, np.ndarray, Params]:
    """Backward of :func:`minlstm_forward`: dhs (N, T, H) -> dx (N, T, D), dh0 (N, H), grads.

    With u = f / (f + i): a = u and b = (1 - u) * candidate, so dL/du = da - db * candidate;
    du/df = i / (f + i)^2 and du/di = -f / (f + i)^2.
    """
    x, f, i, candidate, scan, params = cache
    da, db, dh0 = linear_scan_backward(check_grad("dhs", dhs, scan.hs), scan)
    du = (da - db * candidate) / (f + i) ** 2
    dpre = np.concatenate([du * i * f * (1.0 - f), -du * f * i * (1.0 - i),
                           db * (1.0 - scan.a)], axis=-1)
    dx, grads = _input_grads(dpre, x, params)
    return dx, dh0, grads


def lru_forward(u: npt.ArrayLike, params: Params) -> tuple[np.ndarray, LRUCache]:
    """Linear Recurrent Unit (Orvieto et al. 2023): u (N, T, D) -> y (N, T, D), cache.

        lambda = exp(-exp(nu_log) + i exp(theta_log))   (complex, |lambda| < 1 always),
        x_t = lambda * x_{t-1} + exp(gamma_log) * (u_t B^T),   x_0 = 0  (complex, (N, S)),
        y_t = Re(x_t C^T) + D * u_t.

    params: nu_log, theta_log, gamma_log (S,); B_re, B_im (S, D); C_re, C_im (D, S); D (D,).
    The recurrence is the complex diagonal scan; gamma_log starts at
    log sqrt(1 - |lambda|^2), which keeps the state's scale independent of |lambda|.
    """
    d = np.shape(params["D"])[0]
    u_arr = check_array("u", u, (None, None, d), ("N", "T", "D"))
    lam = np.exp(-np.exp(params["nu_log"]) + 1j * np.exp(params["theta_log"]))
    projected = u_arr @ (params["B_re"] + 1j * params["B_im"]).T
    states, scan = linear_scan(np.broadcast_to(lam, projected.shape),
                               projected * np.exp(params["gamma_log"]))
    y = (states @ (params["C_re"] + 1j * params["C_im"]).T).real + params["D"] * u_arr
    return y, LRUCache(u_arr, lam, projected, scan, params)


def lru_backward(dy: npt.ArrayLike, cache: LRUCache) -> tuple[np.ndarray, Params]:
    """Backward of :func:`lru_forward`: dy (N, T, D) -> du (N, T, D), grads.

    For a complex quantity z the gradient is g_z = dL/dRe z + i dL/dIm z. Then
    w = a z gives g_z = conj(a) g_w, so the scan's backward runs on conj(lambda) and
    conj(x) (the same reverse scan, conjugated); a real parameter p scaling z gets
    Re(conj(z) g). lambda = exp(c) gives g_c = conj(lambda) g_lambda, whose real part
    goes to nu_log through -exp(nu_log) and imaginary part to theta_log through exp(theta_log).
    """
    u, lam, projected, scan, params = cache
    dy = check_grad("dy", dy, u)
    c_mat = params["C_re"] + 1j * params["C_im"]
    b_mat = params["B_re"] + 1j * params["B_im"]
    gamma = np.exp(params["gamma_log"])
    g_states = dy @ np.conj(c_mat)                                     # (N, T, S)
    g_c = np.einsum("ntd,nts->ds", dy, np.conj(scan.hs))
    conj_scan = ScanCache(np.conj(scan.a), np.conj(scan.h0), np.conj(scan.hs))
    g_lam, g_drive, _ = linear_scan_backward(g_states, conj_scan)
    g_exponent = np.conj(lam) * g_lam.sum(axis=(0, 1))
    g_projected = g_drive * gamma
    g_b = np.einsum("nts,ntd->sd", g_projected, u)
    grads = {"nu_log": g_exponent.real * -np.exp(params["nu_log"]),
             "theta_log": g_exponent.imag * np.exp(params["theta_log"]),
             "gamma_log": np.real(np.conj(projected) * g_drive).sum(axis=(0, 1)) * gamma,
             "B_re": g_b.real, "B_im": g_b.imag, "C_re": g_c.real, "C_im": g_c.imag,
             "D": (dy * u).sum(axis=(0, 1))}
    return dy * params["D"] + np.real(g_projected @ np.conj(b_mat)), grads


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x), without overflow for large x."""
    return np.logaddexp(0.0, x)


def selective_ssm_forward(u: npt.ArrayLike,
                          params: Params) -> tuple[np.ndarray, SelectiveSSMCache]:
    """A selective state-space layer after Mamba's S6 (Gu & Dao 2023): u (N, T, D) -> y, cache.

    Each channel d has S states with decay rates A = -exp(A_log) (D, S). The step size
    and the input and output projections depend on the input (that is the selection):

        delta_t = softplus(u_t W_delta^T + b_delta)           (N, T, D)
        B_t = u_t W_B^T,  C_t = u_t W_C^T                      (N, T, S)
        h_t = exp(delta_t A) * h_{t-1} + delta_t B_t u_t       (N, D, S)
        y_t = h_t C_t + D * u_t                                (N, D)

    exp(delta A) is the zero-order-hold discretisation of dh/dt = A h, delta B the Euler
    one of the input term (as Mamba's code does). params: weight_delta (D, D),
    bias_delta (D,), weight_B, weight_C (S, D), A_log (D, S), D (D,).
    """
    d, s = np.shape(params["A_log"])
    u_arr = check_array("u", u, (None, None, d), ("N", "T", "D"))
    n, steps, _ = u_arr.shape
    pre_delta = u_arr @ params["weight_delta"].T + params["bias_delta"]
    delta = softplus(pre_delta)
    b_t, c_t = u_arr @ params["weight_B"].T, u_arr @ params["weight_C"].T
    decay = np.exp(delta[..., None] * -np.exp(params["A_log"]))            # (N, T, D, S)
    drive = (delta * u_arr)[..., None] * b_t[:, :, None, :]
    states, scan = linear_scan(decay.reshape(n, steps, d * s), drive.reshape(n, steps, d * s))
    y = np.einsum("ntds,nts->ntd", states.reshape(n, steps, d, s), c_t) + params["D"] * u_arr
    return y, SelectiveSSMCache(u_arr, pre_delta, delta, b_t, c_t, decay, scan, params)


def selective_ssm_backward(dy: npt.ArrayLike,
                           cache: SelectiveSSMCache) -> tuple[np.ndarray, Params]:
    """Backward of :func:`selective_ssm_forward`: dy (N, T, D) -> du (N, T, D), grads.

    The scan's backward gives the gradients of the decays and drives; the decay
    exp(delta A) sends delta * decay * dL/d(decay) to A (and A = -exp(A_log) on to
    A_log) and A * decay * dL/d(decay) to delta; delta reaches its pre-activation
    through softplus' = sigmoid.
    """
    u, pre_delta, delta, b_t, c_t, decay, scan, params = cache
    dy = check_grad("dy", dy, u)
    n, steps, d, s = decay.shape
    states = scan.hs.reshape(n, steps, d, s)
    rates = -np.exp(params["A_log"])
    d_decay, d_drive, _ = linear_scan_backward(
        (dy[..., None] * c_t[:, :, None, :]).reshape(n, steps, d * s), scan)
    d_decay, d_drive = d_decay.reshape(decay.shape), d_drive.reshape(decay.shape)
    d_scaled_u = np.einsum("ntds,nts->ntd", d_drive, b_t)              # d(delta * u)
    d_delta = (d_decay * decay * rates).sum(-1) + d_scaled_u * u
    d_pre = d_delta * sigmoid(pre_delta)
    d_b = np.einsum("ntds,ntd->nts", d_drive, delta * u)
    d_c = np.einsum("ntd,ntds->nts", dy, states)
    du = (dy * params["D"] + d_scaled_u * delta + d_pre @ params["weight_delta"]
          + d_b @ params["weight_B"] + d_c @ params["weight_C"])
    grads = {"weight_delta": np.einsum("ntd,nte->de", d_pre, u),
             "bias_delta": d_pre.sum(axis=(0, 1)),
             "weight_B": np.einsum("nts,ntd->sd", d_b, u),
             "weight_C": np.einsum("nts,ntd->sd", d_c, u),
             "A_log": (d_decay * decay * delta[..., None]).sum(axis=(0, 1)) * rates,
             "D": (dy * u).sum(axis=(0, 1))}
    return du, grads


def feature_map(x: np.ndarray) -> np.ndarray:
    """phi(x) = elu(x) + 1 > 0, the feature map of Katharopoulos et al. (2020)."""
    return np.where(x > 0, x + 1.0, np.exp(np.minimum(x, 0.0)))


def linear_attention_forward(x: npt.ArrayLike,
                             params: Params) -> tuple[np.ndarray, LinearAttentionCache]:
    """Causal linear attention as an RNN with a matrix state: x (N, T, D) -> y (N, T, V), cache.

    With q, k = phi(x W_q^T), phi(x W_k^T) (N, T, K) and v = x W_v^T (N, T, V):

        S_t = S_{t-1} + k_t v_t^T   (K, V),     z_t = z_{t-1} + k_t   (K,),
        y_t = q_t^T S_t / (q_t^T z_t),

    a linear recurrence with a = 1 on the flattened state [S, z] (one scan of K (V + 1)
    channels). It equals softmax-free causal attention with similarity q_t . k_s.
    params: weight_q, weight_k (K, D), weight_v (V, D).
    """
    k_dim, d = np.shape(params["weight_q"])
    v_dim = np.shape(params["weight_v"])[0]
    x_arr = check_array("x", x, (None, None, d), ("N", "T", "D"))
    n, steps, _ = x_arr.shape
    q_pre, k_pre = x_arr @ params["weight_q"].T, x_arr @ params["weight_k"].T
    q, k = feature_map(q_pre), feature_map(k_pre)
    v1 = np.concatenate([x_arr @ params["weight_v"].T, np.ones((n, steps, 1))], axis=-1)
    inputs = (k[..., :, None] * v1[..., None, :]).reshape(n, steps, k_dim * (v_dim + 1))
    states, scan = linear_scan(np.ones_like(inputs), inputs)
    read = np.einsum("ntk,ntkv->ntv", q, states.reshape(n, steps, k_dim, v_dim + 1))
    return read[..., :v_dim] / read[..., v_dim:], LinearAttentionCache(
        x_arr, q_pre, k_pre, q, k, v1, scan, params)


def linear_attention_backward(dy: npt.ArrayLike,
                              cache: LinearAttentionCache) -> tuple[np.ndarray, Params]:
    """Backward of :func:`linear_attention_forward`: dy (N, T, V) -> dx (N, T, D), grads.

    The read-out y = num / den sends dy / den to num and -(dy . y) / den to den; the
    state's gradient q dL/d(read)^T goes back through the scan (a = 1: a running sum
    from the end); phi'(x) is 1 for x > 0 and e^x otherwise.
    """
    x, q_pre, k_pre, q, k, v1, scan, params = cache
    n, steps, k_dim = q.shape
    states = scan.hs.reshape(n, steps, k_dim, v1.shape[-1])
    read = np.einsum("ntk,ntkv->ntv", q, states)
    den = read[..., -1:]
    dy = check_grad("dy", dy, read[..., :-1])
    d_read = np.concatenate([dy / den, -(dy * read[..., :-1]).sum(-1, keepdims=True) / den ** 2],
                            axis=-1)
    d_q = np.einsum("ntv,ntkv->ntk", d_read, states)
    _, d_inputs, _ = linear_scan_backward(
        (q[..., :, None] * d_read[..., None, :]).reshape(scan.hs.shape), scan)
    d_inputs = d_inputs.reshape(states.shape)
    d_k = np.einsum("ntkv,ntv->ntk", d_inputs, v1)
    d_v = np.einsum("ntkv,ntk->ntv", d_inputs, k)[..., :-1]
    d_q_pre = d_q * np.where(q_pre > 0, 1.0, q)           # phi' = 1, or e^x = phi(x)
    d_k_pre = d_k * np.where(k_pre > 0, 1.0, k)
    grads = {"weight_q": np.einsum("ntk,ntd->kd", d_q_pre, x),
             "weight_k": np.einsum("ntk,ntd->kd", d_k_pre, x),
             "weight_v": np.einsum("ntv,ntd->vd", d_v, x)}
    dx = (d_q_pre @ params["weight_q"] + d_k_pre @ params["weight_k"]
          + d_v @ params["weight_v"])
    return dx, grads
