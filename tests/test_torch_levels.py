"""The LSTM speed levels compute exactly what torch.nn.LSTM computes; the benchmark runs."""

import importlib.util
from pathlib import Path

import pytest
import torch

from rnncourse.torch import lstm_levels as lv
from rnncourse.torch.bench import BASELINE, format_table, read_results, time_lstm

# TorchScript (fuser="script") is deprecated upstream; it is tested here as the alternative fuser.
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script:DeprecationWarning")

LEVELS = {
    "naive": lambda d, h: lv.NaiveLSTM(d, h),
    "hoisted": lambda d, h: lv.HoistedLSTM(d, h),
    "fused-script": lambda d, h: lv.FusedLSTM(d, h, fuser="script"),
    "fused-compile": lambda d, h: lv.FusedLSTM(d, h, fuser="compile"),
}


def check_against_torch(level, device, dtype, atol, with_state, t=7, n=3, d=4, h=5):
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(d, h).to(device, dtype)
    level = level.to(device, dtype)
    level.load_state_dict(theirs.state_dict())
    make = {"device": device, "dtype": dtype}
    x = torch.randn(t, n, d, **make, requires_grad=True)
    hx = (tuple(torch.randn(1, n, h, **make, requires_grad=True) for _ in range(2))
          if with_state else None)
    dy, dh, dc = torch.randn(t, n, h, **make), torch.randn(1, n, h, **make), \
        torch.randn(1, n, h, **make)
    results = []
    for module in (level, theirs):
        out, (h_n, c_n) = module(x, hx)
        loss = (out * dy).sum() + (h_n * dh).sum() + (c_n * dc).sum()
        leaves = [x, *(hx or ()), *module.parameters()]
        results.append([out, h_n, c_n, *torch.autograd.grad(loss, leaves)])
    for a, b in zip(*results, strict=True):
        assert a.shape == b.shape
        torch.testing.assert_close(a, b, rtol=0, atol=atol)


@pytest.mark.parametrize("name", LEVELS)
@pytest.mark.parametrize("with_state", (True, False))
def test_level_matches_torch_cpu_float64(name, with_state):
    check_against_torch(LEVELS[name](4, 5), "cpu", torch.float64, 1e-10, with_state)


def test_levels_share_torch_state_dict_keys():
    keys = list(torch.nn.LSTM(4, 5).state_dict())
    for build in LEVELS.values():
        assert list(build(4, 5).state_dict()) == keys


def test_level_input_checks():
    with pytest.raises(ValueError, match=r"x: expected shape \(T >= 1, N, 4\)"):
        lv.HoistedLSTM(4, 5)(torch.randn(3, 2, 6))
    with pytest.raises(ValueError, match=r"c_0: expected shape \(1, 2, 5\)"):
        lv.NaiveLSTM(4, 5)(torch.randn(3, 2, 4), (torch.zeros(1, 2, 5), torch.zeros(2, 5)))
    with pytest.raises(ValueError, match="fuser: expected one of"):
        lv.FusedLSTM(4, 5, fuser="nvfuser")
    with pytest.raises(ValueError, match="CUDA graphs need a CUDA tensor"):
        lv.capture_cuda_graph(lv.HoistedLSTM(4, 5), torch.randn(3, 2, 4))


def test_benchmark_runs_and_reports_every_contender():
    timings = time_lstm(4, 6, 8, 5, reps=2, fusers=("script",), compiled_baseline=False)
    names = [t.name for t in timings]
    assert names == [BASELINE, "1 naive", "2 hoisted", "3 fused (script)",
                     "NumPy reference (CPU)"]
    assert all(t.seconds > 0 and t.tokens_per_s > 0 for t in timings)
    assert timings[0].ratio == 1.0
    assert all(t.peak_mib is None for t in timings)       # peak memory is measured on CUDA
    assert "x torch.nn" in format_table(timings)
    with pytest.raises(ValueError, match="CUDA graphs need a CUDA device"):
        time_lstm(4, 6, 8, 5, device="cpu", graph=True)


# ---------------------------------------------------------------- CUDA (skipped without a GPU)

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.mark.cuda
@cuda
@pytest.mark.parametrize("name", LEVELS)
def test_level_matches_cudnn_float32(name, no_tf32):
    check_against_torch(LEVELS[name](16, 32), "cuda", torch.float32, 1e-5, True,
                        t=20, n=8, d=16, h=32)


@pytest.mark.cuda
@cuda
@pytest.mark.parametrize("fuser", lv.FUSERS)
def test_cuda_graph_level_matches_cudnn(fuser, no_tf32):
    torch.manual_seed(0)
    t, n, d, h = 30, 8, 16, 32
    theirs = torch.nn.LSTM(d, h).cuda()
    ours = lv.FusedLSTM(d, h, fuser=fuser).cuda()
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(t, n, d, device="cuda", requires_grad=True)
    ours = lv.capture_cuda_graph(ours, x)
    for _ in range(2):                             # replays with fresh data give fresh answers
        xr = torch.randn(t, n, d, device="cuda", requires_grad=True)
        dy = torch.randn(t, n, h, device="cuda")
        grads = []
        for module in (ours, theirs):
            out, _ = module(xr)
            grads.append([out, *torch.autograd.grad((out * dy).sum(),
                                                    [xr, *module.parameters()])])
        for a, b in zip(*grads, strict=True):
            torch.testing.assert_close(a, b, rtol=0, atol=1e-5)


@pytest.mark.cuda
@cuda
def test_benchmark_on_cuda_reports_graph_level_and_peak_memory(no_tf32):
    timings = time_lstm(8, 16, 32, 10, device="cuda", reps=2, fusers=("script",))
    names = [t.name for t in timings]
    assert "4 CUDA graph (script)" in names
    assert all(t.peak_mib is not None and t.peak_mib > 0 for t in timings
               if not t.name.startswith("NumPy"))


def test_benchmark_script_writes_results_the_chapter_reads(tmp_path, capsys):
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_torch_lstm.py"
    spec = importlib.util.spec_from_file_location("bench_torch_lstm", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "r.json"
    module.main(["--device", "cpu", "--batch", "2", "--input", "3", "--hidden", "4", "--steps",
                 "3", "--reps", "1", "--fusers", "script", "--sweep-t", "2", "--sweep-h", "5",
                 "--sweep-h-steps", "2", "--no-numpy", "--json", str(out)])
    env, rows = read_results(out)
    assert env["device"] == "cpu" and "bench_torch_lstm.py" in env["command"]
    groups = [(group, t.name, t.steps, t.hidden_size) for group, t in rows]
    assert ("headline", BASELINE, 3, 4) in groups
    assert ("sweep T", "3 fused (script)", 2, 4) in groups
    assert ("sweep H", "1 naive", 2, 5) in groups
    assert "x torch.nn" in capsys.readouterr().out
