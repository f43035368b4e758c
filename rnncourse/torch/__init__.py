"""From-scratch recurrent modules in PyTorch: drop-in cells and layers, and the LSTM speed levels.

Nothing here calls ``torch.nn.RNN/LSTM/GRU`` or their cells: the gate maths is
written out on ``nn.Parameter``s, with torch.nn's names, shapes and gate order,
so ``ours.load_state_dict(theirs.state_dict())`` works both ways. Runs on CPU,
CUDA and MPS (pick one with ``rnncourse.utils.pick_device``). The linear recurrence
``parallel_scan`` and the layers built on it (``MinGRU``, ``MinLSTM``, ``LRU``, ``SelectiveSSM``,
``LinearAttention``, ``MinRNNStack``) are in :mod:`.scan` and :mod:`.modern`.
"""

from .cells import GRUCell, LSTMCell, RNNCell, gru_pointwise, lstm_pointwise, rnn_pointwise
from .layers import GRU, LSTM, RNN, length_mask
from .modern import LRU, LinearAttention, MinGRU, MinLSTM, MinRNNStack, SelectiveSSM
from .scan import parallel_scan

__all__ = [name for name in dir() if not name.startswith("_")]
