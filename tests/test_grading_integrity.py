"""Integrity is judged by what runs: every route to the package's solutions, to torch's
recurrent or autograd machinery where the exercise asks for the hand-written version, or
to the solved sources scores 0 on the checks it touched, with a message naming what was
used. Obfuscation changes nothing; a legitimate helper import (Exercise 2's given step)
stays allowed (see test_grading.py: every solved source scores 10/10, unflagged)."""

import pytest
from test_grading import FAST, mutant

from rnncourse.grading import Limits, grade_file

TORCH = Limits(timeout=30.0)

RNN_FORWARD = ('    a = (x @ params["weight_ih"].T + params["bias_ih"]\n'
               '         + h_prev @ params["weight_hh"].T + params["bias_hh"])\n'
               "    h = np.maximum(a, 0.0)\n    return h, (x, h_prev, h, params)\n")
RAN = ("rnn_step_forward (rnncourse/reference/rnn.py) ran: rnncourse.reference.rnn is the "
       "package's reference solution of this exercise")

# (id, replacement of Exercise 1's forward body, fragment every check's message must hold)
CHEATS = [
    ("importlib, split strings",
     "    import importlib\n"
     "    mod = importlib.import_module('rnncourse.' + 'refer' + 'ence')\n"
     "    return getattr(mod, 'rnn_step_' + 'forward')(x, h_prev, params)\n", RAN),
    ("__import__",
     "    mod = __import__('rnncourse.reference', fromlist=['rnn_step_forward'])\n"
     "    return mod.rnn_step_forward(x, h_prev, params)\n", RAN),
    ("sys.modules",
     "    import sys\n"
     "    step = sys.modules['rnncourse.reference'].__dict__['rnn_step_forward']\n"
     "    return step(x, h_prev, params)\n", RAN),
    ("getattr chain",
     "    pkg = __import__('rnncourse')\n"
     "    return getattr(getattr(pkg, 'refer' 'ence'), ''.join(['rnn_step', '_forward']))(\n"
     "        x, h_prev, params)\n", RAN),
    ("rebuilt function",
     "    from rnncourse import reference as r\n"
     "    f = r.rnn_step_forward\n"
     "    return type(f)(f.__code__, f.__globals__)(x, h_prev, params)\n",
     "reached into the interpreter's frames or code (__code__)"),
    ("source exec'd",
     "    import inspect\n    import rnncourse.reference.rnn as m\n"
     "    scope = dict(vars(m))\n"
     "    exec(inspect.getsource(m.rnn_step_forward), scope)\n"
     "    return scope['rnn_step_forward'](x, h_prev, params)\n",
     "read the source of rnncourse/reference/rnn.py, a reference solution"),
    ("profiler switched off",
     "    import sys\n    sys.setprofile(None)\n"
     "    from rnncourse.reference import rnn_step_forward as f\n"
     "    return f(x, h_prev, params)\n",
     "reached the interpreter's internals (sys.setprofile)"),
    ("frames walked",
     "    import sys\n    sys._getframe(1).f_locals.clear()\n" + RNN_FORWARD,
     "reached into the interpreter's frames or code (sys._getframe)"),
    ("another process",
     "    import subprocess, sys\n"
     "    subprocess.run([sys.executable, '-c', 'pass'], check=True)\n" + RNN_FORWARD,
     "started another process (subprocess.Popen"),
]


@pytest.mark.parametrize("replacement, fragment", [c[1:] for c in CHEATS],
                         ids=[c[0] for c in CHEATS])
def test_exercise_1_cheats_score_zero_whatever_the_route(tmp_path, replacement, fragment):
    report = grade_file(mutant(tmp_path, "rnn_step", RNN_FORWARD, replacement), limits=FAST)
    assert report.points == 0, [(c.id, c.message) for c in report.checks if c.passed]
    assert all(fragment in c.message for c in report.checks), report.checks[0].message
    assert any(fragment in f for f in report.flags)


def test_ordinary_introspection_is_not_flagged(tmp_path):
    path = mutant(tmp_path, "rnn_step", "## Grade it", "```{code-cell} ipython3\n"
                  "import inspect, traceback, warnings\n"
                  "print(inspect.signature(rnn_step_forward))\n"
                  "try:\n    rnn_step_forward(None, None, None)\n"
                  "except TypeError:\n    traceback.print_exc()\n"
                  "warnings.warn('a warning')\n```\n\n## Grade it")
    report = grade_file(path, limits=FAST)
    assert report.points == 10 and report.flags == []


def test_a_top_level_alias_is_traced_to_its_definition(tmp_path):
    head = ("def rnn_step_forward(x, h_prev, params):\n"
            '    """x (N, D), h_prev (N, H) -> h (N, H), cache."""\n')
    path = mutant(tmp_path, "rnn_step", head, "from rnncourse import reference\n"
                  "rnn_step_forward = reference.rnn_step_forward\n\n\n"
                  "def _unused(x, h_prev, params):\n")
    report = grade_file(path, limits=FAST)
    assert report.points == 0
    assert ("the notebook's rnn_step_forward is rnncourse.reference.rnn.rnn_step_forward"
            in report.checks[0].message)


def test_exercise_6_with_the_package_cell_scores_zero(tmp_path):
    """The issue's cheat: the package's LSTMCell in place of the class to write."""
    path = mutant(tmp_path, "torch_lstm_cell", "class CoupledLSTMCell(nn.Module):",
                  "from rnncourse.torch import LSTMCell as CoupledLSTMCell\n\n\n"
                  "class _Unused(nn.Module):")
    report = grade_file(path, limits=FAST)
    assert report.points == 0
    assert all("rnncourse.torch is the package's PyTorch models" in c.message
               for c in report.checks)


HAND_BACKWARD = ('    query, keys, W, qw, weights = cache\n'
                 '    da = np.einsum("nh,nsh->ns", dcontext, keys)\n')
AUTOGRAD_BACKWARD = '''    import torch
    query, keys, W, qw, weights = cache
    q, k, w = (torch.tensor(a, requires_grad=True) for a in (query, keys, W))
    e = torch.einsum("nh,nsh->ns", q @ w, k)
    e = e.masked_fill(torch.as_tensor(weights == 0), float("-inf"))
    context = torch.einsum("ns,nsh->nh", torch.softmax(e, dim=1), k)
    (context * torch.tensor(dcontext)).sum().backward()
    return q.grad.numpy(), k.grad.numpy(), w.grad.numpy()
'''


def test_exercise_8_backward_by_autograd_scores_zero(tmp_path):
    report = grade_file(mutant(tmp_path, "attention", HAND_BACKWARD, AUTOGRAD_BACKWARD),
                        limits=TORCH)  # the learner's code imports torch: allow for that
    assert report.points == 0, [(c.id, c.message) for c in report.checks]
    assert all("torch's autograd, in an exercise that asks for the backward written by hand"
               in c.message and "Tensor.backward (torch/_tensor.py)" in c.message
               for c in report.checks)


def test_exercise_8_reading_the_solved_source_scores_zero(tmp_path):
    """The issue's cheat, now against instructor/: the folder name split, read by path."""
    start = "def luong_attention_forward(query, keys, W, mask=None):"
    path = mutant(tmp_path, "attention", "```{code-cell} ipython3\n" + start,
                  "```{code-cell} ipython3\n"
                  "import pathlib, re, rnncourse\n"
                  "folder = pathlib.Path(rnncourse.__file__).resolve().parents[1] / "
                  "('instr' + 'uctor')\n"
                  "solved = (folder / '08_attention.md').read_text()\n"
                  "exec(re.findall(r'(def luong_attention_forward.*?)\\n```', solved, re.S)[0])\n"
                  "\n\ndef _unused(query, keys, W, mask=None):")
    report = grade_file(path, limits=FAST)
    assert report.points == 0
    assert all("opened instructor/08_attention.md, which belongs to the grader" in c.message
               for c in report.checks)


def test_the_capstone_cannot_read_the_held_out_names(tmp_path):
    """The notebook sees the training and validation names only; the real data folder is off
    limits, so the test split cannot be memorised."""
    path = mutant(tmp_path, "name_classifier", "    torch.manual_seed(0)\n",
                  "    import rnncourse.data.paths as p\n"
                  "    real = pathlib.Path(rnncourse.__file__).resolve().parents[1] / 'data'\n"
                  "    print(p.DATA_DIR, (real / 'names' / 'Russian.txt').read_text()[:10])\n"
                  "    return lambda batch: np.zeros(len(batch), dtype=int)\n")
    path.write_text(path.read_text().replace("import numpy as np\n",
                                             "import pathlib\n\nimport numpy as np\n"
                                             "import rnncourse\n", 1))
    report = grade_file(path, limits=FAST)
    assert report.points == 0
    assert "opened data/names/Russian.txt, which belongs to the grader" in report.flags[0]
