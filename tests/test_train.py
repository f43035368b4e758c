"""The training loop fits a model, evaluates on schedule, and checkpoints round-trip."""

import pytest
import torch

from rnncourse.train import load_checkpoint, save_checkpoint, shuffled_batches, train


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


def test_keep_best_restores_the_weights_of_the_best_evaluation():
    """A scalar parameter walks 1, 2, 3, ...; the metric (w - 3)^2 is lowest at step 3, so the
    weights of step 3 come back, however the training ends."""
    model = torch.nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.zero_()
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)

    def evaluate(m):
        return {"gap": (m.weight.item() - 3.0) ** 2}

    history = train(model, lambda m, _: -m.weight.sum(), [None], optimizer, 6,
                    evaluate=evaluate, eval_every=1, keep_best="gap", progress=False)
    assert history.metric("gap") == [4.0, 1.0, 0.0, 1.0, 4.0, 9.0]
    assert history.best_step == 3 and model.weight.item() == 3.0 and not model.training

    history = train(model, lambda m, _: -m.weight.sum(), [None], optimizer, 2,
                    evaluate=evaluate, eval_every=1, keep_best="gap", maximize=True,
                    progress=False)
    assert history.best_step == 2 and model.weight.item() == 5.0


def test_keep_best_needs_an_evaluated_metric():
    model = torch.nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = lambda m, _: m.weight.sum()  # noqa: E731
    with pytest.raises(ValueError, match="evaluate"):
        train(model, loss, [None], optimizer, 2, keep_best="val_loss", progress=False)
    with pytest.raises(ValueError, match="'val_loss'"):
        train(model, loss, [None], optimizer, 2, evaluate=lambda m: {"val_acc": 1.0},
              keep_best="val_loss", progress=False)


def test_shuffled_batches_are_seeded_epochs_of_permutations():
    first = [b.tolist() for b, _ in zip(shuffled_batches(10, 4, seed=3), range(6), strict=False)]
    again = [b.tolist() for b, _ in zip(shuffled_batches(10, 4, seed=3), range(6), strict=False)]
    assert first == again
    assert [len(b) for b in first] == [4, 4, 2, 4, 4, 2]
    epoch1, epoch2 = sum(first[:3], []), sum(first[3:], [])
    assert sorted(epoch1) == sorted(epoch2) == list(range(10)) and epoch1 != epoch2
    with pytest.raises(ValueError, match="batch_size"):
        next(shuffled_batches(10, 0))
