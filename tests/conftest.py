"""Fixtures shared by the unit tests."""

import pytest


@pytest.fixture
def no_tf32():
    """cuDNN may use TF32 tensor cores for float32 RNNs by default; compare in full float32."""
    import torch

    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved
