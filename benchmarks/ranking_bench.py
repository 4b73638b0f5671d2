"""How well screenings rank candidates: adaptive questioning against fixed random forms.

Simulated candidates of known ability (standard normal) answer questions by a 2PL model whose
true parameters scatter around the priors the banks imply (difficulty 1..5 -> b = -2..2, a = 1):
true b = prior b + N(0, 0.6), true a = exp(N(0.1, 0.3)), since real questions never sit exactly
where their authors put them. A multi-choice question is answered option by option (each option
judged right with a 2PL probability of its own) and scored as the engine scores it,
(right ticks - wrong ticks) / correct options, so partial credit comes from a process neither
scoring model assumes.

Printed, for every bundled flow (its sections, weights and content balance):

1. Ranking: Spearman(true ability, total) and RMSE of the ability estimate, at 8, 10 and 12
   questions, for
   - fixed: a random form of that length per candidate, drawn section by section as today's
     fixed flows draw (pick in proportion, spread over difficulty levels), scored as today
     (weighted share of points; no RMSE: not on the ability scale), and by EAP with the priors;
   - adaptive: most informative next question (random among the top 4), content balance from
     the flow's picks, scored by `total` (expected share of the flow's pool at the estimate),
     with the parameters in use on day one (priors), after calibrating from 500 simulated
     adaptive screenings, and with the true parameters (the ceiling).
   Two pools per flow: the bundled banks as they are at run time, and banks drawn like them
   (30 right/wrong questions per bank, difficulty levels in the bundled proportions).
   Then the effect of two free-text questions (grades correlated ~0.7 with ability) weighing
   0.2 of `total`, in 12 questions all told.
2. Partial credit: multi-choice answers read as a fraction of the points (fractional 2PL) vs
   dichotomised at full credit, each with the 2PL that fits its own reading best, against the
   exact likelihood of the observed score (a ceiling no graded model can pass), on the bundled
   pool and on a pool of multi-choice questions only.
3. Calibration: parameter recovery (RMSE, correlation, questions off by more than 1 in b, 95%
   interval coverage of the standard errors) after 500 simulated adaptive screenings, for the
   questions with enough answers, against the priors' own error. The answers are read as the
   engine reads them (a share of the points) and again as right/wrong, where girth's
   `twopl_mml` (not a dependency) runs beside our EM when it is installed.
4. CPU time per selection + estimate on a 500-question pool (process time, so other load on the
   machine shows less than in wall time), and what building the pool costs.
5. Adaptive settings on the bundled flows after calibration: top-k exposure control, content
   balance slack, and stopping early at a target standard error.

Nothing here asserts: a script that prints figures. `--seed` varies every draw; `--quick` runs
small sizes for a smoke test.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from screenbot.content.catalog import Catalog, load
from screenbot.content.models import FreeTextQuestion, MultiChoiceQuestion, Question
from screenbot.engine.adaptive import (
    AdaptiveRules,
    ItemPool,
    PoolItem,
    Response,
    SectionRule,
    section_rules,
)
from screenbot.engine.irt import (
    GRID,
    ItemParams,
    eap_arrays,
    prior_params,
)
from screenbot.engine.selection import spread
from screenbot.recruiting.calibration import ItemStatus, calibrate

FloatArray = npt.NDArray[np.float64]
ROOT = Path(__file__).resolve().parent.parent
LENGTHS = (8, 10, 12)
TOP_K = 4
#: How the model reads a multi-choice answer: its share of the points (see part 2).
PARTIAL_CREDIT = True
#: Difficulty levels of the bundled banks, in proportion (for the drawn banks).
LEVEL_SHARES = (0.12, 0.24, 0.32, 0.2, 0.12)


# ---------------------------------------------------------------- simulated questions


@dataclass
class SimItem:
    """A question as the simulation knows it: what the bank says and how people answer it."""

    bank: str
    question: str
    difficulty: int
    prior: ItemParams
    true_a: float
    true_b: float
    # multi-choice: per option (a, b, is it a correct option)
    options: tuple[tuple[float, float, bool], ...] = ()
    # the 2PL that fits this question's answers best, as each reading sees them
    fit_fraction: ItemParams | None = None
    fit_full: ItemParams | None = None
    # multi-choice: the score values and log P(score | ability) on irt.GRID
    scores: FloatArray = field(default_factory=lambda: np.zeros(0))
    score_loglik: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))

    @property
    def is_multi(self) -> bool:
        """Whether it is answered option by option (a multi-choice question)."""
        return bool(self.options)

    def truth(self, partial_credit: bool = PARTIAL_CREDIT) -> ItemParams:
        """The parameters a perfect calibration would find under the chosen reading."""
        if not self.is_multi:
            return ItemParams(self.true_a, self.true_b)
        fitted = self.fit_fraction if partial_credit else self.fit_full
        assert fitted is not None
        return fitted

    def answer(self, theta: float, rng: np.random.Generator) -> float:
        """The share of the points a candidate of ability theta earns."""
        if not self.is_multi:
            p = 1.0 / (1.0 + math.exp(-self.true_a * (theta - self.true_b)))
            return 1.0 if rng.random() < p else 0.0
        right = wrong = correct = 0
        for a, b, is_correct in self.options:
            judged = rng.random() < 1.0 / (1.0 + math.exp(-a * (theta - b)))
            if is_correct:
                correct += 1
                right += judged
            else:
                wrong += not judged
        return max(0.0, (right - wrong) / correct)


def read(share: float, partial_credit: bool = PARTIAL_CREDIT) -> float:
    """The response the model sees: the share, or 1 for full credit and 0 for less."""
    return share if partial_credit else float(share >= 1.0)


def _poisson_binomial(p: FloatArray) -> FloatArray:
    """Distribution of the number of successes, per grid ability: (successes, grid)."""
    dist = np.zeros((p.shape[0] + 1, p.shape[1]))
    dist[0] = 1.0
    for row in p:
        dist[1:] = dist[1:] * (1 - row) + dist[:-1] * row
        dist[0] = dist[0] * (1 - row)
    return dist


def _fit_2pl(y: FloatArray, weights: FloatArray) -> ItemParams:
    """The 2PL closest (in expected log-likelihood) to the curve y(theta) on GRID: logistic
    regression of y on theta by Newton's method."""
    a, c = 1.0, 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(a * GRID + c)))
        g = weights * (y - p)
        w = weights * p * (1 - p)
        grad = np.array([(g * GRID).sum(), g.sum()])
        hess = np.array([[(w * GRID**2).sum(), (w * GRID).sum()], [(w * GRID).sum(), w.sum()]])
        step = np.linalg.solve(hess, grad)
        a, c = a + float(step[0]), c + float(step[1])
        if np.abs(step).max() < 1e-8:
            break
    return ItemParams(max(a, 0.05), -c / max(a, 0.05))


def _prepare_multi(item: SimItem, n_options: int, n_correct: int, rng: np.random.Generator) -> None:
    """Option-level truth for a multi-choice question around its true (a, b), and the fits."""
    # Each option is judged right with P = 1/2 at the ability where a full-credit answer
    # would be about even, give or take a little per option.
    offset = math.log(0.5 ** (1 / n_options) / (1 - 0.5 ** (1 / n_options))) / item.true_a
    kinds = [True] * n_correct + [False] * (n_options - n_correct)
    item.options = tuple(
        (item.true_a, item.true_b - offset + float(rng.normal(0, 0.3)), kind) for kind in kinds
    )
    judged = np.array(
        [1.0 / (1.0 + np.exp(-a * (GRID - b))) for a, b, _ in item.options]
    )  # (options, grid)
    right = _poisson_binomial(judged[[k for k, o in enumerate(item.options) if o[2]]])
    wrong = _poisson_binomial(1 - judged[[k for k, o in enumerate(item.options) if not o[2]]])
    probs: dict[float, FloatArray] = {}
    for r in range(right.shape[0]):
        for w in range(wrong.shape[0]):
            s = max(0.0, (r - w) / n_correct)
            probs[s] = probs.get(s, np.zeros(GRID.size)) + right[r] * wrong[w]
    item.scores = np.array(sorted(probs))
    item.score_loglik = np.log(np.maximum(np.array([probs[s] for s in item.scores]), 1e-300))
    expected = sum(s * probs[s] for s in item.scores)
    full = probs[1.0]
    weights = np.exp(-0.5 * GRID**2)
    item.fit_fraction = _fit_2pl(np.asarray(expected), weights)
    item.fit_full = _fit_2pl(full, weights)


def _true_params(prior: ItemParams, rng: np.random.Generator) -> tuple[float, float]:
    return float(prior.a * math.exp(rng.normal(0.1, 0.3))), float(prior.b + rng.normal(0, 0.6))


def bundled_items(
    catalog: Catalog, banks: Sequence[str], rng: np.random.Generator
) -> list[SimItem]:
    """The automatically scored questions of the bundled banks, with true parameters drawn."""
    items = []
    for bank_id in banks:
        for q in catalog.banks[bank_id].questions:
            if isinstance(q, FreeTextQuestion):
                continue
            items.append(_sim_item(bank_id, q, rng))
    return items


def _sim_item(bank_id: str, q: Question, rng: np.random.Generator) -> SimItem:
    irt = getattr(q, "irt", None)
    prior = prior_params(
        q.difficulty,
        getattr(irt, "a", None) if irt else None,
        getattr(irt, "b", None) if irt else None,
    )
    a, b = _true_params(prior, rng)
    item = SimItem(bank_id, q.id, q.difficulty, prior, a, b)
    if isinstance(q, MultiChoiceQuestion):
        _prepare_multi(item, len(q.choices), len(q.correct_ids), rng)
    return item


def drawn_items(
    banks: Sequence[str], per_bank: int, rng: np.random.Generator, multi: bool = False
) -> list[SimItem]:
    """Banks drawn like the bundled ones: difficulty levels in the same proportions."""
    items = []
    for bank_id in banks:
        levels = rng.choice(np.arange(1, 6), size=per_bank, p=LEVEL_SHARES)
        for n, level in enumerate(levels):
            prior = prior_params(int(level))
            a, b = _true_params(prior, rng)
            item = SimItem(bank_id, f"{bank_id}-{n}", int(level), prior, a, b)
            if multi:
                _prepare_multi(item, int(rng.integers(4, 6)), 2, rng)
            items.append(item)
    return items


# ---------------------------------------------------------------- screenings


@dataclass(frozen=True)
class SectionSpec:
    """A flow's section: `pick` for fixed flows, `min`/`max` for adaptive ones."""

    bank: str
    pick: int
    weight: float
    min: int = 0
    max: int | None = None


def _shares(sections: Sequence[SectionSpec]) -> list[float]:
    """How a length is shared out: by the picks where every section has one, else by weight."""
    if all(s.pick > 0 for s in sections):
        return [float(s.pick) for s in sections]
    return [s.weight for s in sections]


def rules_for(
    sections: Sequence[SectionSpec], length: int, slack: int = 1
) -> tuple[SectionRule, ...]:
    """Content balance for `length` questions: from the picks of a fixed flow (as its adaptive
    version would share them), or an adaptive flow's own min/max (minimums scaled down if they
    add up to more than `length`)."""
    if all(s.pick > 0 for s in sections):
        return section_rules([(s.bank, s.pick, s.weight) for s in sections], length, slack)
    mins = [s.min for s in sections]
    if sum(mins) > length:
        mins = [m * length // sum(mins) for m in mins]
    return tuple(
        SectionRule(s.bank, min=m, max=s.max if s.max is None else max(s.max, m), weight=s.weight)
        for s, m in zip(sections, mins, strict=True)
    )


@dataclass
class Outcome:
    """Per candidate: the ability estimate, the total, the length; optionally every answer
    as (candidate, question index, response)."""

    theta_hat: FloatArray
    total: FloatArray
    lengths: FloatArray
    records: list[tuple[int, int, float]] = field(default_factory=list)


def allocate(sections: Sequence[SectionSpec], length: int) -> dict[str, int]:
    """A fixed form's questions per section: in proportion to the picks (or weights), largest
    remainder."""
    shares = _shares(sections)
    exact = {
        s.bank: share * length / sum(shares) for s, share in zip(sections, shares, strict=True)
    }
    counts = {bank: math.floor(v) for bank, v in exact.items()}
    for bank in sorted(exact, key=lambda k: counts[k] - exact[k])[: length - sum(counts.values())]:
        counts[bank] += 1
    return counts


def eap_of(params: Sequence[ItemParams], rows: Sequence[int], values: Sequence[float]) -> float:
    """The EAP ability from responses to the questions at `rows` of `params`."""
    a = np.array([params[i].a for i in rows])
    b = np.array([params[i].b for i in rows])
    return eap_arrays(a, b, np.array(values)).theta


def run_fixed(
    items: Sequence[SimItem],
    sections: Sequence[SectionSpec],
    length: int,
    thetas: FloatArray,
    seed: int,
    params: Sequence[ItemParams],
    partial_credit: bool = PARTIAL_CREDIT,
) -> tuple[Outcome, FloatArray]:
    """Today's scoring (weighted share of points) and EAP with `params`, on random forms."""
    rng = random.Random(seed)
    answer_rng = np.random.default_rng(seed)
    counts = allocate(sections, length)
    weight = {s.bank: s.weight for s in sections}
    by_bank: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        by_bank.setdefault(item.bank, []).append(i)
    levels = [item.difficulty for item in items]
    today = np.zeros(thetas.size)
    theta_hat = np.zeros(thetas.size)
    for c, theta in enumerate(thetas):
        rows: list[int] = []
        values: list[float] = []
        weighted = 0.0
        for bank, count in counts.items():
            if count == 0:
                continue
            form = spread(by_bank[bank], levels.__getitem__, min(count, len(by_bank[bank])), rng)
            shares = [items[i].answer(float(theta), answer_rng) for i in form]
            weighted += weight[bank] * sum(shares) / len(shares)
            rows += form
            values += [read(s, partial_credit) for s in shares]
        today[c] = weighted / sum(weight[b] for b, n in counts.items() if n)
        theta_hat[c] = eap_of(params, rows, values)
    return Outcome(theta_hat, theta_hat, np.full(thetas.size, length)), today


def run_adaptive(
    items: Sequence[SimItem],
    sections: Sequence[SectionSpec],
    length: int,
    thetas: FloatArray,
    seed: int,
    params: Sequence[ItemParams],
    partial_credit: bool = PARTIAL_CREDIT,
    target_se: float = 0.0,
    top_k: int = TOP_K,
    keep_records: bool = False,
    slack: int = 1,
) -> Outcome:
    """Adaptive screenings of candidates of known ability, selecting and scoring with
    `params` (the parameters in use, not necessarily the true ones)."""
    pool = ItemPool(
        [PoolItem(it.bank, it.question, p) for it, p in zip(items, params, strict=True)]
    )
    rules = AdaptiveRules(
        rules_for(sections, length, slack),
        max_questions=length,
        target_se=target_se,
        top_k=top_k,
    )
    weights = {s.bank: s.weight for s in sections}
    answer_rng = np.random.default_rng(seed)
    theta_hat = np.zeros(thetas.size)
    total = np.zeros(thetas.size)
    lengths = np.zeros(thetas.size)
    records: list[tuple[int, int, float]] = []
    for c, theta in enumerate(thetas):
        rng = random.Random(seed * 1_000_003 + c)
        responses: list[Response] = []
        while True:
            step = pool.choose(rules, responses, rng)
            if step.item is None:
                break
            i = pool.index(step.item.bank, step.item.question)
            assert i is not None
            value = read(items[i].answer(float(theta), answer_rng), partial_credit)
            responses.append(Response(step.item.bank, step.item.question, value))
            if keep_records:
                records.append((c, i, value))
        theta_hat[c] = step.estimate.theta
        total[c] = pool.expected_total(step.estimate.theta, weights)
        lengths[c] = len(responses)
    return Outcome(theta_hat, total, lengths, records)


# ---------------------------------------------------------------- figures


def rankdata(x: FloatArray) -> FloatArray:
    """Ranks, ties sharing their mean rank."""
    order = np.argsort(x, kind="stable")
    ranks = np.empty(x.size)
    ranks[order] = np.arange(x.size, dtype=float)
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    out: FloatArray = sums[inverse] / counts[inverse]
    return out


def spearman(x: FloatArray, y: FloatArray) -> float:
    """Spearman's rank correlation."""
    return float(np.corrcoef(rankdata(x), rankdata(y))[0, 1])


def rmse(x: FloatArray, y: FloatArray) -> float:
    """Root mean squared difference."""
    return float(np.sqrt(np.mean((x - y) ** 2)))


def flow_sections(catalog: Catalog, flow_id: str) -> list[SectionSpec]:
    """A flow's sections as the bench uses them."""
    return [
        SectionSpec(s.bank, s.pick, s.weight, getattr(s, "min", 0), getattr(s, "max", None))
        for s in catalog.flow(flow_id).sections
    ]


@dataclass(frozen=True)
class FlowSettings:
    """An adaptive flow's settings (a fixed flow's defaults for its adaptive version)."""

    adaptive: bool
    max_questions: int
    target_se: float
    free_text_pick: int
    free_text_weight: float


def flow_settings(catalog: Catalog, flow_id: str) -> FlowSettings:
    """A flow's adaptive settings, read from the flow."""
    flow = catalog.flow(flow_id)
    plan = getattr(flow, "free_text", None)
    return FlowSettings(
        adaptive=str(getattr(flow, "mode", "fixed")) == "adaptive",
        max_questions=int(getattr(flow, "max_questions", 12)),
        target_se=float(getattr(flow, "target_se", 0.0)),
        free_text_pick=int(plan.pick) if plan is not None else 0,
        free_text_weight=float(plan.weight) if plan is not None else 0.0,
    )


def free_text_grades(thetas: FloatArray, count: int, seed: int) -> FloatArray:
    """The mean of `count` free-text grades, each correlated about 0.7 with ability, 0..1."""
    rng = np.random.default_rng(seed + 99)
    grades = np.zeros(thetas.size)
    for _ in range(count):
        latent = 0.7 * thetas + math.sqrt(1 - 0.49) * rng.normal(size=thetas.size)
        grades += 1.0 / (1.0 + np.exp(-1.7 * latent))
    out: FloatArray = grades / max(count, 1)
    return out


def ranking_table(
    label: str,
    items: list[SimItem],
    sections: list[SectionSpec],
    thetas: FloatArray,
    seed: int,
    calibration_screenings: int,
    settings: FlowSettings | None = None,
) -> None:
    """Print part 1 for one pool: fixed vs adaptive at each length, and the flow as set."""
    priors = [it.prior for it in items]
    truth = [it.truth() for it in items]
    sim = run_adaptive(
        items,
        sections,
        12,
        np.random.default_rng(seed + 7).normal(size=calibration_screenings),
        seed + 7,
        priors,
        keep_records=True,
    )
    person, item, value = zip(*sim.records, strict=True)
    calibrated = [r.params for r in calibrate(person, item, value, priors).items]
    print(
        f"\n  {label}: {len(items)} auto-scored questions "
        f"({sum(it.is_multi for it in items)} multi-choice), {thetas.size} candidates"
    )
    print("    len | fixed today  fixed EAP(prior)  | adaptive prior   calibrated     true")
    print("        |     rho       rho   RMSE       |  rho   RMSE     rho   RMSE    rho   RMSE")
    for length in LENGTHS:
        fixed, today = run_fixed(items, sections, length, thetas, seed + length, priors)
        cells = [
            f"{spearman(thetas, today):6.3f}",
            f"{spearman(thetas, fixed.total):6.3f} {rmse(thetas, fixed.theta_hat):6.3f}",
        ]
        adaptive = []
        for params in (priors, calibrated, truth):
            out = run_adaptive(items, sections, length, thetas, seed + length, params)
            adaptive.append(
                f"{spearman(thetas, out.total):5.3f} {rmse(thetas, out.theta_hat):6.3f}"
            )
        print(f"    {length:3d} |  {cells[0]}    {cells[1]}     | " + "  ".join(adaptive))
    if settings is None:
        return
    auto = settings.max_questions - settings.free_text_pick
    grades = free_text_grades(thetas, settings.free_text_pick, seed)
    w = settings.free_text_weight
    configured = []
    for name, params in (("prior", priors), ("calibrated", calibrated), ("true", truth)):
        out = run_adaptive(
            items, sections, auto, thetas, seed + 50, params, target_se=settings.target_se
        )
        total = (1 - w) * out.total + w * grades
        configured.append(
            f"{name} {spearman(thetas, total):.3f} (len {out.lengths.mean():.1f}"
            f"{f' + {settings.free_text_pick}' if settings.free_text_pick else ''})"
        )
    where = "as configured" if settings.adaptive else "as an adaptive flow with the defaults"
    print(
        f"    {where}: at most {settings.max_questions}, stop at SE {settings.target_se}, "
        f"{settings.free_text_pick} free text at {w}: " + "; ".join(configured)
    )


def free_text_effect(
    items: list[SimItem], sections: list[SectionSpec], thetas: FloatArray, seed: int
) -> None:
    """Two free-text questions graded with noise, weighing 0.2 of total; 12 questions in all."""
    priors = [it.prior for it in items]
    free = free_text_grades(thetas, 2, seed)
    one = free_text_grades(thetas, 1, seed)
    ten = run_adaptive(items, sections, 10, thetas, seed + 10, priors)
    twelve = run_adaptive(items, sections, 12, thetas, seed + 12, priors)
    blended = 0.8 * ten.total + 0.2 * free
    r_grade = float(np.corrcoef(one, thetas)[0, 1])
    print(
        f"    free text (grade r={r_grade:.2f} with ability): "
        f"12 auto {spearman(thetas, twelve.total):.3f}"
        f" | 10 auto {spearman(thetas, ten.total):.3f}"
        f" | 10 auto + 2 free text at 0.2 {spearman(thetas, blended):.3f}"
    )


def partial_credit_study(
    label: str, items: list[SimItem], sections: list[SectionSpec], thetas: FloatArray, seed: int
) -> None:
    """Fixed forms of 10: the same answers read three ways; then adaptive with each reading."""
    multi = [it for it in items if it.is_multi]
    if not multi:
        print(f"    {label}: no multi-choice questions")
        return
    counts = allocate(sections, 10)
    by_bank: dict[str, list[int]] = {}
    for i, it in enumerate(items):
        by_bank.setdefault(it.bank, []).append(i)
    rng = random.Random(seed)
    answer_rng = np.random.default_rng(seed)
    frac, full, exact = (np.zeros(thetas.size) for _ in range(3))
    prior_log = -0.5 * GRID**2
    for c, theta in enumerate(thetas):
        rows: list[int] = []
        shares: list[float] = []
        for bank, count in counts.items():
            form = rng.sample(by_bank[bank], min(count, len(by_bank[bank])))
            rows += form
            shares += [items[i].answer(float(theta), answer_rng) for i in form]
        fr = [items[i].truth(True) for i in rows]
        fu = [items[i].truth(False) for i in rows]
        frac[c] = eap_of(fr, range(len(rows)), shares)
        full[c] = eap_of(fu, range(len(rows)), [read(s, False) for s in shares])
        log_post = prior_log.copy()
        for i, s in zip(rows, shares, strict=True):
            it = items[i]
            if it.is_multi:
                log_post += it.score_loglik[int(np.argmin(np.abs(it.scores - s)))]
            else:
                z = it.true_a * (GRID - it.true_b)
                log_post -= np.logaddexp(0, -z) if s >= 1 else np.logaddexp(0, z)
        w = np.exp(log_post - log_post.max())
        exact[c] = float(w @ GRID / w.sum())
    adaptive = []
    for partial in (True, False):
        out = run_adaptive(
            items, sections, 10, thetas, seed, [it.truth(partial) for it in items], partial
        )
        adaptive.append(spearman(thetas, out.total))
    print(
        f"    {label} ({len(multi)}/{len(items)} multi-choice), 10 questions, rho (RMSE):\n"
        f"      fixed forms: fraction {spearman(thetas, frac):.3f} ({rmse(thetas, frac):.3f})"
        f"  full credit only {spearman(thetas, full):.3f} ({rmse(thetas, full):.3f})"
        f"  exact score likelihood {spearman(thetas, exact):.3f} ({rmse(thetas, exact):.3f})\n"
        f"      adaptive:    fraction {adaptive[0]:.3f}  full credit only {adaptive[1]:.3f}"
    )


def _corr(x: FloatArray, y: FloatArray) -> str:
    if x.std() == 0 or y.std() == 0:
        return "  -  "
    return f"{np.corrcoef(x, y)[0, 1]:.3f}"


def recovery(
    label: str,
    fitted: Sequence[ItemParams],
    truth: Sequence[ItemParams],
    mask: npt.NDArray[np.bool_],
) -> str:
    """One line of parameter recovery figures, over the questions in `mask`."""
    fa = np.array([p.a for p in fitted])[mask]
    fb = np.array([p.b for p in fitted])[mask]
    ta = np.array([p.a for p in truth])[mask]
    tb = np.array([p.b for p in truth])[mask]
    text = (
        f"{label:<28} a: RMSE {rmse(fa, ta):.3f} r {_corr(fa, ta)}   "
        f"b: RMSE {rmse(fb, tb):.3f} r {_corr(fb, tb)}"
        f"  off by >1: {int((np.abs(fb - tb) > 1).sum()):2d}"
    )
    a_se = np.array([np.nan if p.a_se is None else p.a_se for p in fitted])[mask]
    b_se = np.array([np.nan if p.b_se is None else p.b_se for p in fitted])[mask]
    if np.isfinite(a_se).all() and np.isfinite(b_se).all():
        text += (
            f"   95% CI covers a {np.mean(np.abs(fa - ta) <= 1.96 * a_se):.0%}"
            f", b {np.mean(np.abs(fb - tb) <= 1.96 * b_se):.0%}"
        )
    return text


def calibration_study(
    items: list[SimItem], sections: list[SectionSpec], screenings: int, seed: int
) -> None:
    """Own EM on the answers as the engine reads them (partial credit as a share), then own EM
    and girth on the same answers read as right/wrong (girth reads nothing else), each against
    the truth under its own reading."""
    priors = [it.prior for it in items]
    thetas = np.random.default_rng(seed + 5).normal(size=screenings)
    sim = run_adaptive(items, sections, 12, thetas, seed + 5, priors, keep_records=True)
    person, item, value = (np.array(v) for v in zip(*sim.records, strict=True))
    # The answers again, read as full credit or nothing: what girth can take.
    full = np.array([float(v >= 1.0) for v in value])
    answers = np.bincount(item, minlength=len(items))
    print(
        f"    {screenings} adaptive screenings, {item.size} answers, answers per question "
        f"min {answers.min()} median {int(np.median(answers))} max {answers.max()}"
    )
    done = np.zeros(len(items), dtype=bool)
    for label, values, partial in (("share", value, True), ("right/wrong", full, False)):
        truth = [it.truth(partial) for it in items]
        started = time.process_time()
        result = calibrate(person, item, values, priors)
        cpu = time.process_time() - started
        statuses = [r.status for r in result.items]
        done = np.array([s is ItemStatus.CALIBRATED for s in statuses])
        print(
            f"    own EM on {label}: {result.cycles} cycles, {cpu:.2f} s CPU; calibrated "
            f"{done.sum()}, too few answers {statuses.count(ItemStatus.TOO_FEW_ANSWERS)}, "
            f"not converged {statuses.count(ItemStatus.NOT_CONVERGED)}"
        )
        print("      " + recovery("priors", priors, truth, done))
        print(
            "      " + recovery(f"own EM ({label})", [r.params for r in result.items], truth, done)
        )
    girth_figures(person, item, full, len(items), [it.truth(False) for it in items], done)


def girth_figures(
    person: npt.NDArray[np.int64],
    item: npt.NDArray[np.int64],
    value: FloatArray,
    n_items: int,
    truth: Sequence[ItemParams],
    mask: npt.NDArray[np.bool_],
) -> None:
    """girth's twopl_mml on the same answers, when girth is installed."""
    try:
        import girth  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        print("      girth: not installed (pip install girth to compare)")
        return
    answers = np.bincount(item, minlength=n_items)
    # girth fails on a question nobody answered; give it those with answers, then only those
    # our EM calibrates (it has no priors to hold the sparse ones).
    for label, keep in (
        ("girth, all answered", answers > 0),
        ("girth, calibrated qs only", mask),
    ):
        columns = np.flatnonzero(keep)
        where = np.full(n_items, -1)
        where[columns] = np.arange(columns.size)
        rows = keep[item]
        dataset = np.full((columns.size, int(person.max()) + 1), girth.INVALID_RESPONSE, dtype=int)
        dataset[where[item[rows]], person[rows]] = value[rows].astype(int)
        started = time.process_time()
        try:
            out = girth.twopl_mml(dataset)
        except Exception as exc:
            print(f"      {label}: twopl_mml failed: {type(exc).__name__}: {exc}")
            continue
        cpu = time.process_time() - started
        a = np.full(n_items, np.nan)
        b = np.full(n_items, np.nan)
        a[columns] = np.asarray(out["Discrimination"], dtype=float)
        b[columns] = np.asarray(out["Difficulty"], dtype=float)
        ok = np.isfinite(a) & np.isfinite(b) & (a > 0)
        fitted = [
            ItemParams(float(a[i]), float(b[i])) if ok[i] else ItemParams(1.0, 0.0)
            for i in range(n_items)
        ]
        print("      " + recovery(f"{label} ({cpu:.0f} s)", fitted, truth, mask & ok))


def choices_table(
    label: str,
    items: list[SimItem],
    sections: list[SectionSpec],
    thetas: FloatArray,
    seed: int,
    calibration_screenings: int,
) -> None:
    """What exposure control, content balance and an early stop cost, with calibrated params."""
    priors = [it.prior for it in items]
    sim = run_adaptive(
        items,
        sections,
        12,
        np.random.default_rng(seed + 7).normal(size=calibration_screenings),
        seed + 7,
        priors,
        keep_records=True,
    )
    person, item, value = zip(*sim.records, strict=True)
    params = [r.params for r in calibrate(person, item, value, priors).items]
    cells = []
    for name, kw in (
        ("top 1", {"top_k": 1}),
        ("top 4", {}),
        ("top 8", {"top_k": 8}),
        ("exact shares (slack 0)", {"slack": 0}),
        ("slack 2", {"slack": 2}),
        ("stop at SE 0.40", {"target_se": 0.40}),
        ("stop at SE 0.45", {"target_se": 0.45}),
    ):
        out = run_adaptive(items, sections, 12, thetas, seed + 12, params, **kw)
        cells.append(f"{name} {spearman(thetas, out.total):.3f} (len {out.lengths.mean():.1f})")
    print(f"    {label}, 12 at most, calibrated: " + "; ".join(cells))


def timing(seed: int, repeats: int, candidates: int) -> None:
    """Print part 4: CPU time per selection + estimate on a 500-question pool."""
    rng = np.random.default_rng(seed)
    banks = [f"bank{n}" for n in range(5)]
    items = drawn_items(banks, 100, rng)
    pool_items = [PoolItem(it.bank, it.question, ItemParams(it.true_a, it.true_b)) for it in items]
    started = time.process_time()
    for _ in range(20):
        pool = ItemPool(pool_items)
    build = (time.process_time() - started) / 20
    # From the bank's own values each time (priors from difficulty, then the pool): what a turn
    # pays if nothing is cached.
    levels = [(it.bank, it.question, it.difficulty) for it in items]
    started = time.process_time()
    for _ in range(20):
        ItemPool([PoolItem(bank, q, prior_params(d)) for bank, q, d in levels])
    scratch = (time.process_time() - started) / 20
    rules = AdaptiveRules(section_rules([(b, 2, 1.0) for b in banks], 12), max_questions=12)
    per_run = []
    for r in range(repeats):
        calls: list[float] = []
        for c in range(candidates):
            theta = float(rng.normal())
            pick_rng = random.Random(seed * 7919 + r * 1000 + c)
            responses: list[Response] = []
            while True:
                t0 = time.process_time_ns()
                step = pool.choose(rules, responses, pick_rng)
                calls.append((time.process_time_ns() - t0) / 1000)
                if step.item is None:
                    break
                p = 1.0 / (1.0 + math.exp(-step.item.params.a * (theta - step.item.params.b)))
                responses.append(
                    Response(step.item.bank, step.item.question, float(rng.random() < p))
                )
        calls.sort()
        per_run.append(
            (statistics.fmean(calls), calls[len(calls) // 2], calls[int(len(calls) * 0.99)])
        )
    means = [m for m, _, _ in per_run]
    p99s = [p for _, _, p in per_run]
    print(
        f"    500-question pool, 12 questions: selection + estimate per answer "
        f"mean {min(means):.0f}-{max(means):.0f} us, p99 {min(p99s):.0f}-{max(p99s):.0f} us "
        f"({repeats} runs x {candidates} screenings)"
    )
    print(
        f"    building the pool: {build * 1e3:.2f} ms from PoolItems, {scratch * 1e3:.2f} ms from "
        "difficulty levels (build once per flow and parameter version, not per answer)"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--calibration-screenings", type=int, default=500)
    parser.add_argument("--banks", type=Path, default=ROOT / "question_banks")
    parser.add_argument("--flows", type=Path, default=ROOT / "conversations")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument(
        "--part",
        choices=["all", "ranking", "partial", "calibration", "timing", "choices"],
        default="all",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the parts asked for and print their figures."""
    args = parse_args(argv)
    if args.quick:
        args.candidates, args.calibration_screenings = 150, 120
    catalog, problems = load([args.banks, args.flows])
    if problems:
        print(f"(content has {len(problems)} problems; using what loaded)")
    seed = args.seed
    thetas = np.random.default_rng(seed).normal(size=args.candidates)
    parts: dict[str, Callable[[], None]] = {}

    def ranking() -> None:
        print("1. Ranking: Spearman rho(true ability, total) and RMSE of the ability estimate")
        for flow_id in sorted(catalog.flows):
            sections = flow_sections(catalog, flow_id)
            banks = [s.bank for s in sections]
            rng = np.random.default_rng(seed + 1)
            settings = flow_settings(catalog, flow_id)
            print(
                f"\n  flow {flow_id} ({'adaptive' if settings.adaptive else 'fixed'}): "
                + ", ".join(
                    f"{s.bank} pick {s.pick} min {s.min} max {s.max} weight {s.weight}"
                    for s in sections
                )
            )
            bundled = bundled_items(catalog, banks, rng)
            ranking_table(
                "bundled banks",
                bundled,
                sections,
                thetas,
                seed,
                args.calibration_screenings,
                settings,
            )
            free_text_effect(bundled, sections, thetas, seed)
            drawn = drawn_items(banks, 30, rng)
            ranking_table(
                "drawn banks, 30 per bank",
                drawn,
                sections,
                thetas,
                seed,
                args.calibration_screenings,
            )

    def partial() -> None:
        print(
            "\n2. Partial credit on multi-choice questions: read as a fraction vs full credit only"
        )
        flow_id = sorted(catalog.flows)[0]
        sections = flow_sections(catalog, flow_id)
        banks = [s.bank for s in sections]
        rng = np.random.default_rng(seed + 2)
        partial_credit_study(
            f"{flow_id}, bundled", bundled_items(catalog, banks, rng), sections, thetas, seed
        )
        partial_credit_study(
            f"{flow_id}, all multi-choice",
            drawn_items(banks, 30, rng, True),
            sections,
            thetas,
            seed,
        )

    def calibration() -> None:
        print("\n3. Calibration from simulated adaptive screenings (true vs estimated a, b)")
        for flow_id in sorted(catalog.flows):
            sections = flow_sections(catalog, flow_id)
            rng = np.random.default_rng(seed + 3)
            print(f"  flow {flow_id}, bundled banks:")
            calibration_study(
                bundled_items(catalog, [s.bank for s in sections], rng),
                sections,
                args.calibration_screenings,
                seed,
            )

    def cpu() -> None:
        print("\n4. CPU time")
        timing(seed, 3 if args.quick else 5, 30 if args.quick else 200)

    def choices() -> None:
        print("\n5. Adaptive settings (default: top 4, slack 1, no early stop): rho (mean length)")
        for flow_id in sorted(catalog.flows):
            sections = flow_sections(catalog, flow_id)
            rng = np.random.default_rng(seed + 1)
            items = bundled_items(catalog, [s.bank for s in sections], rng)
            choices_table(flow_id, items, sections, thetas, seed, args.calibration_screenings)

    parts = {
        "ranking": ranking,
        "partial": partial,
        "calibration": calibration,
        "timing": cpu,
        "choices": choices,
    }
    for name, part in parts.items():
        if args.part in ("all", name):
            part()


if __name__ == "__main__":
    main()
