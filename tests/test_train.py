"""The training loop fits a model, evaluates on schedule, and checkpoints round-trip."""

import pytest
import torch

from rnncourse.train import load_checkpoint, save_checkpoint, train


def test_train_fits_linear_regression_and_evaluates(tmp_path):
    torch.manual_seed(0)
    x = torch.randn(64, 2)
    y = x @ torch.tensor([[1.0], [-2.0]])
    model = torch.nn.Linear(2, 1)

    def mse(m):
        return {"mse": ((m(x) - y) ** 2).mean().item()}

    history = train(model, lambda m, b: ((m(b[0]) - b[1]) ** 2).mean(), [(x, y)],
                    torch.optim.SGD(model.parameters(), lr=0.1), 150, clip=5.0,
                    evaluate=mse, eval_every=50, progress=False)
    assert history.eval_steps == [50, 100, 150]
    assert history.metric("mse")[-1] < 1e-6 < history.train_loss[0]

    path = save_checkpoint(tmp_path / "m.pt", model, in_features=2, out_features=1)
    loaded, settings = load_checkpoint(path, lambda **kw: torch.nn.Linear(**kw))
    assert settings == {"in_features": 2, "out_features": 1}
    torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=0)
    with pytest.raises(ValueError, match="steps"):
        train(model, None, [], None, 0)
