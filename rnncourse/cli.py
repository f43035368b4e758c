"""The ``rnncourse`` command line: one subcommand per task.

Each subcommand is added by its own ``add_<name>_command(subparsers)``
function, which defines the arguments and sets ``func`` to the function that
runs it; ``main`` only dispatches. Building the parser imports nothing heavy: a
subcommand's module (and torch, where it needs it) is imported only when that
subcommand runs, so grading a NumPy exercise works without torch installed.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path


def _grade(args) -> int:
    import secrets
    from concurrent.futures import ThreadPoolExecutor

    from .grading import Limits, detect_exercise, grade_file, submissions_in
    from .grading.export import INSTRUCTOR_DIR
    from .grading.report import format_json, format_text, write_csv
    from .grading.similarity import compare, format_pairs, write_pairs

    limits = Limits(timeout=args.timeout, memory_mib=args.memory_limit)
    seed = args.seed
    if args.instructor and seed is None:
        seed = secrets.randbelow(2**31)
    if seed is not None:
        print(f"instructor mode: hidden checks drawn from seed {seed} (grade again with "
              f"--seed {seed} to reproduce)", file=sys.stderr)
    files = []
    for path in map(Path, args.paths):
        if path.is_dir():
            found = submissions_in(path)
            if not found:
                print(f"{path}: no submissions found (files named after an exercise, "
                      f".md or .ipynb)", file=sys.stderr)
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            print(f"{path}: no such file or folder", file=sys.stderr)
            return 2
    # each submission runs in its own sandboxed process: threads are enough to overlap them
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        reports = list(pool.map(lambda p: grade_file(p, args.exercise, limits, seed), files))
    if not args.json:
        for report in reports:
            print(format_text(report), flush=True)
            if len(files) > 1:
                print()
    if args.json:
        print(format_json(reports))
    if args.csv:
        write_csv(reports, args.csv)
        print(f"wrote {len(reports)} rows to {args.csv}", file=sys.stderr)
    if args.similarity:
        by_exercise: dict[str, list[Path]] = {}
        for path in files:
            name = args.exercise or detect_exercise(path).name
            by_exercise.setdefault(name, []).append(path)
        sources = {p.stem.split("_", 1)[1]: p for p in INSTRUCTOR_DIR.glob("[0-9][0-9]_*.md")}
        pairs = compare(by_exercise, sources)
        write_pairs(pairs, args.similarity)
        print(format_pairs(pairs), file=sys.stderr)
        print(f"wrote {len(pairs)} pairs to {args.similarity}", file=sys.stderr)
    return 0


def add_grade_command(subparsers) -> None:
    from .grading import EXERCISES, Limits  # NumPy and the standard library only

    names = ", ".join(EXERCISES)
    parser = subparsers.add_parser(
        "grade", help="grade exercise notebooks (offline, sandboxed)",
        description="Run the checks of a graded exercise on a notebook (.md or .ipynb) and\n"
                    "print PASS/FAIL per check with feedback, points and a total.\n\n"
                    "The learner's code runs in a separate process with a time and memory\n"
                    "limit; the file itself is never modified. Give a folder to grade every\n"
                    "submission in it (instructors' batch mode; add --csv for a gradebook).",
        epilog="examples:\n"
               "  python -m rnncourse grade exercises/01_rnn_step.md\n"
               "  python -m rnncourse grade alice.ipynb --exercise lstm_step --json\n"
               "  python -m rnncourse grade submissions/ --csv grades.csv\n"
               "  python -m rnncourse grade submissions/ --instructor --jobs 4 \\\n"
               "      --csv grades.csv --similarity similarity.csv",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="notebooks to grade, or folders of them")
    parser.add_argument("--exercise", metavar="NAME", choices=sorted(EXERCISES),
                        help=f"which exercise the files are (default: from each file name; "
                             f"one of {names})")
    parser.add_argument("--json", action="store_true",
                        help="print the reports as JSON instead of text")
    parser.add_argument("--csv", metavar="FILE",
                        help="also write one row per submission to FILE (for a gradebook)")
    parser.add_argument("--timeout", type=float, default=Limits.timeout, metavar="SECONDS",
                        help="time allowed for each notebook cell and each check's code "
                             "(default: %(default)s)")
    parser.add_argument("--memory-limit", type=int, default=Limits.memory_mib, metavar="MIB",
                        help="address-space limit of the learner's process "
                             "(default: %(default)s)")
    parser.add_argument("--instructor", action="store_true",
                        help="hidden checks: draw fresh sizes and values from a random seed "
                             "(printed), so that code tuned to the public checks fails")
    parser.add_argument("--seed", type=int, default=None, metavar="N",
                        help="hidden checks drawn from seed N (implies --instructor)")
    parser.add_argument("--jobs", type=_at_least_one, default=1, metavar="N",
                        help="grade N submissions at a time (default: 1)")
    parser.add_argument("--similarity", metavar="FILE",
                        help="also compare the submissions' code (normalised tokens) with "
                             "one another and with the solved sources; write the pairs to "
                             "FILE and flag near-copies")
    parser.set_defaults(func=_grade)


def _export(args) -> int:
    from .grading.export import export_nbgrader, write_learner_versions

    written = write_learner_versions(args.learner) if args.learner else []
    if args.nbgrader:
        written += export_nbgrader(args.nbgrader)
    for path in written:
        print(f"wrote {path}")
    return 0


def add_export_command(subparsers) -> None:
    parser = subparsers.add_parser(
        "export-exercises", help="write the learner notebooks, or an nbgrader course",
        description="Generate exercise notebooks from the solved sources in instructor/\n"
                    "(a repository checkout): the learner versions (solutions replaced by\n"
                    "stubs that raise NotImplementedError) and/or nbgrader source notebooks\n"
                    "for instructors using JupyterHub.",
        epilog="examples:\n"
               "  python -m rnncourse export-exercises --learner exercises\n"
               "  python -m rnncourse export-exercises --nbgrader course/source",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learner", metavar="DIR",
                        help="write the learner versions into DIR (the book uses exercises/)")
    parser.add_argument("--nbgrader", metavar="DIR",
                        help="write one nbgrader source notebook per exercise under DIR")
    parser.set_defaults(func=_export)


def _train(args) -> int:
    from .apps.charlm import train_from_args
    from .apps.distributed import lane_slice, launched_world_size, spawn
    from .utils import set_threads

    launched = launched_world_size()              # > 1 when started by torchrun
    if args.nproc != 1 and launched > 1:
        print(f"rnncourse train: started by a launcher as one of {launched} processes; "
              f"expected no --nproc (got {args.nproc})", file=sys.stderr)
        return 2
    processes = launched if launched > 1 else args.nproc
    try:
        lane_slice(args.batch, processes, 0)
    except ValueError as error:
        print(f"rnncourse train: {error} (--batch {args.batch}, {processes} processes)",
              file=sys.stderr)
        return 2
    if args.nproc > 1:
        spawn(train_from_args, args.nproc, args)
        return 0
    if launched == 1:                             # each of several processes sets its own
        set_threads(args.hidden)
    train_from_args(args)
    return 0


def _at_least_one(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def add_train_command(subparsers) -> None:
    parser = subparsers.add_parser(
        "train", help="train a character-level language model on a text file",
        description="Train an LSTM/GRU character language model with truncated BPTT on the\n"
                    "first 90% of a text, report the loss on the next 5% (nats and bits per\n"
                    "character; the last 5% is chapter 9's test text), and optionally\n"
                    "save a checkpoint for `rnncourse sample`.",
        epilog="examples:\n"
               "  python -m rnncourse train --steps 2600 --save artifacts/lm.pt\n"
               "  python -m rnncourse train --text my.txt --hidden 256 --device cuda --save lm.pt\n"
               "  python -m rnncourse train --nproc 2 --batch 32 --save lm.pt   # 16 lanes each\n"
               "  torchrun --nnodes 2 --node_rank 0 --nproc_per_node 4 --master_addr HOST \\\n"
               "      --master_port 29500 -m rnncourse train --device cuda --batch 128\n"
               "      (the same on the other node with --node_rank 1)",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--text", default=None, metavar="FILE",
                        help="UTF-8 text to model (default: the shipped tiny-shakespeare)")
    parser.add_argument("--cell", default="lstm", choices=["lstm", "gru"])
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--seq", type=int, default=100)
    parser.add_argument("--steps", type=int, default=2600)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--eval-every", type=int, default=500)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--nproc", type=_at_least_one, default=1, metavar="N",
                        help="train data-parallel in N local processes (gloo on the CPU, NCCL "
                             "with one GPU each on CUDA); each reads batch/N of the lanes")
    parser.add_argument("--save", default=None, help="checkpoint path (optional)")
    parser.add_argument("--json", default=None, metavar="FILE",
                        help="also write the result, the machine and the versions to FILE")
    parser.set_defaults(func=_train)


def _sample(args) -> int:
    import torch

    from .apps.charlm import generate, load_char_lm

    model, vocab = load_char_lm(args.checkpoint)
    generator = torch.Generator().manual_seed(args.seed)
    for text in generate(model, vocab, args.prime, args.length, temperature=args.temperature,
                         top_k=args.top_k, n_samples=args.n, generator=generator):
        print(args.prime + text)
        print("-" * 40)
    return 0


def add_sample_command(subparsers) -> None:
    parser = subparsers.add_parser(
        "sample", help="generate text from a checkpoint saved by `rnncourse train`",
        description="Continue a prime with characters sampled from a trained character LM.",
        epilog="example:\n"
               "  python -m rnncourse sample artifacts/lm.pt --prime 'ROMEO:' --temperature 0.8",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", help="a .pt file written by `rnncourse train --save`")
    parser.add_argument("--prime", default="\n", help="text to start from (default: newline)")
    parser.add_argument("--length", type=int, default=300, help="characters to generate")
    parser.add_argument("--temperature", type=float, default=1.0,
                        help="divide the logits by this before the softmax (default: 1)")
    parser.add_argument("--top-k", type=int, default=None,
                        help="sample only among the k most likely characters")
    parser.add_argument("-n", type=int, default=1, help="number of samples")
    parser.add_argument("--seed", type=int, default=0)
    parser.set_defaults(func=_sample)


def _bench(args) -> int:
    import runpy

    from .data import DATA_DIR

    script = DATA_DIR.parent / "benchmarks" / f"bench_{args.which}.py"
    if not script.exists():
        print(f"{script}: not found (benchmarks ship with a repository checkout)",
              file=sys.stderr)
        return 2
    sys.argv = [str(script), *args.args]
    runpy.run_path(str(script), run_name="__main__")
    return 0


def add_bench_command(subparsers) -> None:
    parser = subparsers.add_parser(
        "bench", help="time our layers against torch.nn (prints ratios, same process)",
        description="Run a benchmark script from benchmarks/: `reference` times the NumPy\n"
                    "layers against torch.nn.RNN/LSTM/GRU; `torch_lstm` the PyTorch LSTM\n"
                    "levels against torch.nn.LSTM. Options after the name go to the script.",
        epilog="examples:\n"
               "  python -m rnncourse bench reference --hidden 256\n"
               "  python -m rnncourse bench torch_lstm --device cuda",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("which", choices=["reference", "torch_lstm"])
    parser.add_argument("args", nargs=argparse.REMAINDER, help="options for the script")
    parser.set_defaults(func=_bench)


COMMANDS = (add_grade_command, add_export_command, add_train_command, add_sample_command,
            add_bench_command)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rnncourse",
        description="Tools of the rnncourse book on recurrent neural networks.")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for add_command in COMMANDS:
        add_command(subparsers)
    return parser


def main(argv=None) -> int:
    """Parse ``argv`` (default: the command line), run the subcommand, return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # the command as typed, for the results files that record how they were made
    args.command = shlex.join(["python", "-m", "rnncourse",
                               *(sys.argv[1:] if argv is None else argv)])
    if args.func is _export and not (args.learner or args.nbgrader):
        parser.error("export-exercises: give --learner DIR and/or --nbgrader DIR")
    return args.func(args)
