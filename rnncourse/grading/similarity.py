"""Near-copies in a class: normalised token shingles of the submissions' code.

Each submission's code cells become a stream of tokens in which names are replaced
by ``ID`` (attribute names after a dot are kept: ``np.tanh`` stays a tanh),
numbers by ``NUM`` and strings by ``STR``; comments and blank lines vanish. So
renaming variables, reformatting or rewording comments changes nothing. Runs of
``SHINGLE`` tokens are compared; those of the learner version (the code every
learner receives) are removed first, so only what the learners wrote counts.

Pairs of submissions of the same exercise are scored with the Jaccard index of
their shingles, and each submission against the solved source by how much of the
source's own code it contains. It is evidence for a person to look at, never a grade.
"""

from __future__ import annotations

import csv
import io
import itertools
import keyword
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path

from .notebook import learner_text, read_code_cells

SHINGLE = 6
#: Similarity at or above which a pair is flagged for review.
FLAG_AT = 0.85
#: Pairs below this are left out of the report.
REPORT_AT = 0.5
SKIP = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENCODING,
        tokenize.ENDMARKER)


@dataclass(frozen=True)
class Pair:
    exercise: str
    first: str
    second: str
    similarity: float

    @property
    def flagged(self) -> bool:
        return self.similarity >= FLAG_AT


def normalised_tokens(source: str) -> list[str]:
    """The tokens of ``source`` with names, numbers and strings replaced by their kind."""
    out: list[str] = []
    previous = ""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type in SKIP:
                continue
            if tok.type == tokenize.NAME and not keyword.iskeyword(tok.string):
                text = tok.string if previous == "." else "ID"
            elif tok.type == tokenize.NUMBER:
                text = "NUM"
            elif tok.type == tokenize.STRING:
                text = "STR"
            else:
                text = tok.string if tok.string.strip() else tokenize.tok_name[tok.type]
            out.append(text)
            previous = tok.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # a cell that does not tokenise contributes what came before the error
    return out


def shingles(cells: list[tuple[int, str]]) -> set[tuple[str, ...]]:
    """Every run of ``SHINGLE`` consecutive normalised tokens, over all code cells."""
    out: set[tuple[str, ...]] = set()
    for _, source in cells:
        tokens = normalised_tokens(source)
        out.update(tuple(tokens[i:i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1))
    return out


def _read(path) -> set[tuple[str, ...]]:
    try:
        return shingles(read_code_cells(path))
    except (OSError, ValueError, UnicodeDecodeError):
        return set()


def _template(source: Path | None) -> set[tuple[str, ...]]:
    """The shingles of the learner version made from the solved source ``source``."""
    if source is None:
        return set()
    with tempfile.TemporaryDirectory() as tmp:
        learner = Path(tmp) / source.name
        learner.write_text(learner_text(source.read_text(encoding="utf-8")), encoding="utf-8")
        return _read(learner)


def compare(submissions: dict[str, list[Path]], sources: dict[str, Path]) -> list[Pair]:
    """Pairs above ``REPORT_AT``, most similar first: submissions of each exercise with
    one another, and each with the exercise's solved source (``sources``, may be empty)."""
    pairs: list[Pair] = []
    for exercise, paths in sorted(submissions.items()):
        template = _template(sources.get(exercise))
        own = {str(p): _read(p) - template for p in paths}
        for (a, sa), (b, sb) in itertools.combinations(sorted(own.items()), 2):
            if sa and sb:
                pairs.append(Pair(exercise, a, b, len(sa & sb) / len(sa | sb)))
        if exercise in sources:
            solution = _read(sources[exercise]) - template
            for a, sa in sorted(own.items()):
                if solution:
                    pairs.append(Pair(exercise, a, "the solved source",
                                      len(sa & solution) / len(solution)))
    pairs = [p for p in pairs if p.similarity >= REPORT_AT]
    return sorted(pairs, key=lambda p: (-p.similarity, p.exercise, p.first, p.second))


def format_pairs(pairs: list[Pair]) -> str:
    """A plain-text table of the pairs, flagged ones marked."""
    if not pairs:
        return f"Similarity: no pair of submissions shares {REPORT_AT:.0%} or more of its code."
    lines = [f"Similarity (normalised {SHINGLE}-token shingles; FLAG at >= {FLAG_AT:.0%}):"]
    for p in pairs:
        mark = "FLAG" if p.flagged else "    "
        lines.append(f"  {mark}  {p.similarity:5.0%}  {p.exercise:<16} {p.first}  ~  {p.second}")
    return "\n".join(lines)


def write_pairs(pairs: list[Pair], path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["exercise", "submission", "compared_with", "similarity", "flagged"])
        for p in pairs:
            writer.writerow([p.exercise, p.first, p.second, f"{p.similarity:.3f}",
                             "yes" if p.flagged else "no"])
