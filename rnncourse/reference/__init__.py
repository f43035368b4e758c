"""NumPy reference implementation: float64, batched, batch-first, forward/backward pairs.

Every forward returns ``(out, cache)`` and every backward consumes the cache (a named
tuple from :mod:`.caches`); gradient dicts are keyed like the parameter dicts, which
follow PyTorch's names, shapes and gate order (:data:`PARAM_NAMES`). The functions in
:mod:`.cells` run any of the three cells through one call. The gradient-flow tools live
in :mod:`.gradflow` and the Cho et al. GRU in :mod:`.gru_variants` (import them by module).
The linear recurrence and its scans are in :mod:`.scan` (the associative ``combine`` too),
the layers built on it (minGRU, minLSTM, LRU, selective SSM, linear attention) in
:mod:`.modern`.
This package imports nothing else from ``rnncourse``.
"""

from ._recurrent import param_grads
from ._validate import PARAM_NAMES
from .activations import (
    log_softmax,
    sigmoid,
    sigmoid_grad_from_output,
    softmax,
    tanh,
    tanh_grad_from_output,
)
from .attention import MASKED_SCORE, additive_attention_backward, additive_attention_forward
from .caches import (
    AffineCache,
    AttentionCache,
    ChoGRUCache,
    ChoGRUStepCache,
    EmbeddingCache,
    GRUCache,
    GRUStepCache,
    LinearAttentionCache,
    LRUCache,
    LSTMCache,
    LSTMStepCache,
    MinGRUCache,
    MinLSTMCache,
    RNNCache,
    RNNStepCache,
    ScanCache,
    SelectiveSSMCache,
)
from .cells import CELLS, sequence_backward, sequence_forward, step_backward, step_forward
from .gradcheck import numerical_gradient, rel_error
from .gru import gru_backward, gru_forward, gru_step_backward, gru_step_forward
from .init import SCHEMES, init_params, orthogonal
from .layers import (
    affine_backward,
    affine_forward,
    cross_entropy,
    embedding_backward,
    embedding_forward,
    mse_loss,
    temporal_affine_backward,
    temporal_affine_forward,
)
from .lstm import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward
from .modern import (
    linear_attention_backward,
    linear_attention_forward,
    lru_backward,
    lru_forward,
    mingru_backward,
    mingru_forward,
    minlstm_backward,
    minlstm_forward,
    selective_ssm_backward,
    selective_ssm_forward,
)
from .optim import (
    SGD,
    Adagrad,
    Adam,
    Momentum,
    Optimizer,
    clip_grad_norm,
    clip_grad_value,
    global_norm,
)
from .rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from .scan import (
    PARALLEL_SCANS,
    blelloch_scan,
    chunked_scan,
    hillis_steele_scan,
    linear_scan,
    linear_scan_backward,
    log_space_scan,
)

__all__ = [name for name in dir() if not name.startswith("_")]
