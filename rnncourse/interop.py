"""Copy recurrent weights between NumPy parameter dicts and ``torch.nn`` modules.

Works with ``torch.nn.RNN/LSTM/GRU`` (pick ``layer``; suffix ``_l{layer}``) and
with ``torch.nn.RNNCell/LSTMCell/GRUCell`` (no suffix), and with the course's
from-scratch modules, which use the same names.
"""

from __future__ import annotations

import numpy as np
import torch

from .reference import PARAM_NAMES


def _torch_names(module, layer):
    has_layers = hasattr(module, "num_layers")
    if has_layers and not 0 <= layer < module.num_layers:
        raise ValueError(f"layer: expected 0 <= layer < num_layers={module.num_layers}, "
                         f"got {layer}")
    if getattr(module, "proj_size", 0):
        raise ValueError("params_from_torch: LSTMs with proj_size > 0 are not supported")
    suffix = f"_l{layer}" if has_layers else ""
    return {name: name + suffix for name in PARAM_NAMES}


def params_from_torch(module, layer=0):
    """Float64 NumPy copies of one layer's weights (a module without biases gives zeros)."""
    names = _torch_names(module, layer)
    weight_hh = getattr(module, names["weight_hh"])
    params = {}
    for ours, theirs in names.items():
        p = getattr(module, theirs, None)
        params[ours] = (np.zeros(weight_hh.shape[0]) if p is None
                        else p.detach().cpu().double().numpy().copy())
    return params


def params_to_torch(params, module, layer=0):
    """Copy a NumPy parameter dict into one layer of ``module`` in place (dtype and device kept)."""
    names = _torch_names(module, layer)
    with torch.no_grad():
        for ours, theirs in names.items():
            p = getattr(module, theirs, None)
            value = np.asarray(params[ours])
            if p is None:
                if np.any(value != 0):
                    raise ValueError(f"params[{ours!r}] is non-zero but the module has bias=False")
                continue
            if tuple(p.shape) != value.shape:
                raise ValueError(f"params[{ours!r}]: expected shape {tuple(p.shape)} to match "
                                 f"{type(module).__name__}.{theirs}, got {value.shape}")
            p.copy_(torch.as_tensor(value, dtype=p.dtype, device=p.device))
