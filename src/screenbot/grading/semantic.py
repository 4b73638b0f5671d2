"""The semantic grader: each rubric concept judged by meaning, with the sentence that earned it.

For every concept the answer's sentences (and the clauses of long ones) are compared with the
concept's `references`, or, for a concept without any, with its own wording and the sentences of
the question's `reference_answer` that state it. The closest sentence earns full or half credit
above two similarity thresholds; a keyword of the concept in that sentence adds a little, so
keywords stay one signal among several. Then the checks that similarity alone cannot make:

- a sentence closer to one of the concept's `misconceptions` than to its references earns
  nothing, for that concept or any other, and flags the answer (unless it denies the
  misconception);
- a sentence that denies what the references state ("salting does not help") cannot earn the
  concept; it is flagged `negated`;
- a bare list of terms earns nothing, and neither does a sentence that only names terms;
- a sentence that restates the question earns nothing;
- a credit that lies close to a threshold, and a mostly Urdu-script answer that did not earn
  full marks (the model reads Urdu script poorly), are marked `needs-review` for a person.

The grader is safe to share between threads: the model is loaded once, under a lock, and
prepared rubrics are cached under another.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from screenbot.content.models import FreeTextQuestion, RubricConcept
from screenbot.grading import gaming, keywords, negation, segmentation, spelling, urdu
from screenbot.grading.encoders import Encoder, Vectors, wordllama_encoder
from screenbot.grading.results import ConceptGrade, Credit, Flag, Grade

GRADER_VERSION = "semantic-2"


@dataclass(frozen=True)
class Settings:
    """Thresholds on cosine similarity, tuned on the tuning half of the labelled set only."""

    full: float = 0.525
    half: float = 0.325
    keyword_bonus: float = 0.03  # added when the sentence also names one of the concept's keywords
    misconception: float = 0.65  # a sentence this close to a misconception...
    misconception_margin: float = 0.06  # ...and this much closer to it than to anything right
    echo: float = 0.80  # a sentence this close to the question restates it
    off_topic: float = 0.40  # nothing in the answer comes this close to any concept
    review_band: float = 0.025  # a credit this close to a threshold goes to review
    urdu_review_share: float = 0.3  # an answer with this share of Urdu script letters...


@dataclass(frozen=True)
class _Concept:
    concept: RubricConcept
    refs: Vectors
    refs_negated: npt.NDArray[np.bool_]
    misconceptions: Vectors
    misconceptions_negated: npt.NDArray[np.bool_]


@dataclass(frozen=True)
class _Rubric:
    question: Vectors  # the question's text and its sentences
    concepts: tuple[_Concept, ...]
    vocabulary: frozenset[str]  # the rubric's own words, which misspellings are mended towards


@dataclass
class _Answer:
    units: list[segmentation.Unit]
    vectors: Vectors = field(default_factory=lambda: np.zeros((0, 1), dtype=np.float32))


def fallback_references(question: FreeTextQuestion, concept: RubricConcept) -> list[str]:
    """What a concept without `references` is compared with: its own wording, and the sentences
    of the reference answer that state it (those that name one of its keywords)."""
    stated = [
        s
        for s in segmentation.sentences(question.reference_answer)
        if any(keywords.mentions(s, k) for k in concept.keywords)
    ]
    return [concept.concept, *stated]


class SemanticGrader:
    """Grades free-text answers by meaning; see the module's documentation.

    The model loads on first use (or on `load()`), once per grader; share one grader per process
    (`shared_grader()`). Raises GraderUnavailableError when the model cannot be loaded.
    """

    def __init__(
        self,
        encoder: Encoder | None = None,
        settings: Settings | None = None,
        *,
        cache_size: int = 512,
    ) -> None:
        self._encoder = encoder
        self._encoder_lock = threading.Lock()
        self.settings = settings or Settings()
        self._cache: OrderedDict[FreeTextQuestion, _Rubric] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cache_size = cache_size

    @property
    def encoder(self) -> Encoder:
        """The model behind the grader, chosen (not loaded) on first use."""
        if self._encoder is None:
            with self._encoder_lock:
                if self._encoder is None:
                    self._encoder = wordllama_encoder()
        return self._encoder

    @property
    def name(self) -> str:
        """Grader and model versions, e.g. `semantic-2+wordllama-l2-supercat-256/0.4.0.post1`."""
        return f"{GRADER_VERSION}+{self.encoder.name}"

    def load(self) -> None:
        """Load the model now rather than on the first answer (a worker's start-up)."""
        self.encoder.encode(["warm up"])

    def close(self) -> None:
        """Nothing to let go of: the model stays loaded for the process's other users."""

    def grade(self, question: FreeTextQuestion, answer: str) -> Grade:
        """Grade one answer."""
        return self.grade_batch([(question, answer)])[0]

    def grade_batch(self, items: Sequence[tuple[FreeTextQuestion, str]]) -> list[Grade]:
        """One grade per (question, answer), in order; the model reads the whole batch at once."""
        rubrics = [self._rubric(question) for question, _ in items]
        knows = getattr(self.encoder, "knows", None)
        answers = []
        for (_, answer), rubric in zip(items, rubrics, strict=True):
            units = segmentation.units(answer if isinstance(answer, str) else "")
            if knows is not None:
                units = [
                    replace(
                        u,
                        model_text=spelling.correct_spelling(
                            u.model_text, rubric.vocabulary, knows
                        ),
                    )
                    for u in units
                ]
            answers.append(_Answer(units))
        flat = [u.model_text for a in answers for u in a.units]
        vectors = self.encoder.encode(flat) if flat else np.zeros((0, 1), dtype=np.float32)
        start = 0
        for a in answers:
            a.vectors = vectors[start : start + len(a.units)]
            start += len(a.units)
        return [
            self._grade_one(question, raw, rubric, a)
            for (question, raw), rubric, a in zip(items, rubrics, answers, strict=True)
        ]

    # -- preparing a rubric -------------------------------------------------------------------

    def _rubric(self, question: FreeTextQuestion) -> _Rubric:
        with self._cache_lock:
            found = self._cache.get(question)
            if found is not None:
                self._cache.move_to_end(question)
                return found
        rubric = self._prepare(question)
        with self._cache_lock:
            self._cache[question] = rubric
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return rubric

    def _prepare(self, question: FreeTextQuestion) -> _Rubric:
        texts: list[str] = [question.text, *segmentation.sentences(question.text)]
        spans: list[tuple[int, int, int]] = []
        for concept in question.rubric:
            refs = list(concept.references) or fallback_references(question, concept)
            start = len(texts)
            texts.extend(refs)
            texts.extend(concept.misconceptions)
            spans.append(
                (start, start + len(refs), start + len(refs) + len(concept.misconceptions))
            )
        vectors = self.encoder.encode([urdu.model_view(t) for t in texts])
        negated = np.array([negation.is_negated(t) for t in texts], dtype=np.bool_)
        n_question = 1 + len(segmentation.sentences(question.text))
        concepts = tuple(
            _Concept(
                concept=concept,
                refs=vectors[a:b],
                refs_negated=negated[a:b],
                misconceptions=vectors[b:c],
                misconceptions_negated=negated[b:c],
            )
            for concept, (a, b, c) in zip(question.rubric, spans, strict=True)
        )
        vocabulary = spelling.rubric_vocabulary(
            [*texts, question.reference_answer] + [k for c in question.rubric for k in c.keywords]
        )
        return _Rubric(question=vectors[:n_question], concepts=concepts, vocabulary=vocabulary)

    # -- grading one answer -------------------------------------------------------------------

    def _grade_one(
        self, question: FreeTextQuestion, raw: str, rubric: _Rubric, answer: _Answer
    ) -> Grade:
        s = self.settings
        raw = raw if isinstance(raw, str) else ""
        flags: list[Flag] = []
        if gaming.addresses_grader(raw):
            flags.append(Flag.INSTRUCTIONS)
        units = answer.units
        if not units:
            return self._nothing(question, [*flags, Flag.EMPTY])
        if gaming.is_term_list(raw):
            return self._nothing(question, [*flags, Flag.KEYWORD_LIST])

        vec = answer.vectors
        negated = np.array([u.negated for u in units], dtype=np.bool_)
        claims = np.array([u.claims for u in units], dtype=np.bool_)
        to_question = (vec @ rubric.question.T).max(axis=1)

        per_concept: list[
            tuple[
                _Concept,
                npt.NDArray[np.float64],
                npt.NDArray[np.float64],
                npt.NDArray[np.float64],
                npt.NDArray[np.bool_],
            ]
        ] = []
        closest = np.full(len(units), -1.0)
        for c in rubric.concepts:
            sims = vec @ c.refs.T  # units x references
            # A denial matches only references that deny too; a plain statement matches any.
            consistent = ~(negated[:, None] & ~c.refs_negated[None, :])
            agree = np.where(consistent, sims, -1.0).max(axis=1, initial=-1.0)
            contradict = np.where(~consistent, sims, -1.0).max(axis=1, initial=-1.0)
            if len(c.misconceptions):
                msims = vec @ c.misconceptions.T
                same = negated[:, None] == c.misconceptions_negated[None, :]
                mis = np.where(same, msims, -1.0).max(axis=1, initial=-1.0)
            else:
                mis = np.full(len(units), -1.0)
            kw = np.array(
                [any(keywords.mentions(u.text, k) for k in c.concept.keywords) for u in units],
                dtype=np.bool_,
            )
            per_concept.append((c, agree, contradict, mis, kw))
            closest = np.maximum(closest, np.maximum(agree, contradict))

        echo = (to_question >= s.echo) & (to_question >= closest)
        echo |= _within(units, echo)
        usable = claims & ~echo
        if not usable.any() and echo.any():
            flags.append(Flag.ECHO)

        # A sentence is only wrong if no part of the rubric says what it says better than the
        # misconception does ("liveness restarts the container" is right, not a misreading of
        # "readiness restarts the container").
        right_anywhere = np.max([agree for _, agree, _, _, _ in per_concept], axis=0)
        wrongs = [
            self._wrong(usable, agree, mis, right_anywhere) for _, agree, _, mis, _ in per_concept
        ]
        # A sentence judged wrong for one concept earns no other concept either.
        wrong_anywhere = np.zeros(len(units), dtype=np.bool_)
        for wrong in wrongs:
            wrong_anywhere |= wrong
        credible = usable & ~wrong_anywhere
        grades: list[ConceptGrade] = []
        nearest = -1.0
        for (c, agree, contradict, mis, kw), wrong in zip(per_concept, wrongs, strict=True):
            grades.append(self._concept(c, units, credible, wrong, agree, contradict, mis, kw))
            nearest = max(nearest, float(np.max(np.where(usable, np.maximum(agree, mis), -1.0))))

        points = sum(g.earned for g in grades)
        score = points / question.max_points
        for g in grades:
            for f in g.flags:
                if f not in flags:
                    flags.append(f)
        if points == 0 and nearest < s.off_topic and Flag.ECHO not in flags:
            flags.append(Flag.OFF_TOPIC)
        if urdu.urdu_share(raw) >= s.urdu_review_share and score < 1.0:
            flags.append(Flag.NEEDS_REVIEW)
        return Grade(
            question_id=question.id,
            score=round(score, 4),
            points=round(points, 4),
            max_points=question.max_points,
            concepts=tuple(grades),
            flags=_ordered(flags),
            grader=self.name,
        )

    def _concept(
        self,
        c: _Concept,
        units: list[segmentation.Unit],
        credible: npt.NDArray[np.bool_],
        wrong: npt.NDArray[np.bool_],
        agree: npt.NDArray[np.float64],
        contradict: npt.NDArray[np.float64],
        mis: npt.NDArray[np.float64],
        kw: npt.NDArray[np.bool_],
    ) -> ConceptGrade:
        """One concept's credit from the units that may earn it (`credible`); `wrong` are the
        units that say one of its misconceptions."""
        s = self.settings
        support = np.where(credible, agree + s.keyword_bonus * kw, -1.0)
        denial = np.where(credible, contradict + s.keyword_bonus * kw, -1.0)
        concept, points = c.concept.concept, c.concept.points

        if wrong.any():
            i = int(np.argmax(np.where(wrong, mis, -1.0)))
            flags = [Flag.MISCONCEPTION]
            if float(np.max(np.where(wrong, -1.0, support))) >= s.half:
                flags.append(Flag.NEEDS_REVIEW)  # right elsewhere: a person decides
            return ConceptGrade(
                concept, points, Credit.NONE, units[i].sentence, float(mis[i]), tuple(flags)
            )

        # A denial earns a concept only by saying clearly what a reference denies too ("the salt
        # does not slow down guessing"); a looser match ("salting does not help") goes to review.
        plain = np.where(units_negated(units), -1.0, support)
        i = int(np.argmax(support))
        if units[i].negated and float(support[i]) < s.full and float(np.max(plain)) < s.half:
            return ConceptGrade(
                concept,
                points,
                Credit.NONE,
                units[i].sentence,
                float(support[i]),
                (Flag.NEEDS_REVIEW,) if float(support[i]) >= s.half else (),
            )
        if units[i].negated and float(support[i]) < s.full:
            i = int(np.argmax(plain))
        best = float(support[i])
        credit = Credit.FULL if best >= s.full else Credit.HALF if best >= s.half else Credit.NONE
        flags = []
        if any(abs(best - t) < s.review_band for t in (s.full, s.half)):
            flags.append(Flag.NEEDS_REVIEW)
        if credit is Credit.NONE:
            j = int(np.argmax(denial))
            if float(denial[j]) >= s.half:
                flags.append(Flag.NEGATED)
                return ConceptGrade(
                    concept, points, credit, units[j].sentence, float(denial[j]), tuple(flags)
                )
            evidence = None
        else:
            evidence = units[i].sentence
        return ConceptGrade(concept, points, credit, evidence, max(best, 0.0), tuple(flags))

    def _wrong(
        self,
        usable: npt.NDArray[np.bool_],
        agree: npt.NDArray[np.float64],
        mis: npt.NDArray[np.float64],
        right_anywhere: npt.NDArray[np.float64],
    ) -> npt.NDArray[np.bool_]:
        """Units that say one of the concept's misconceptions rather than anything right."""
        s = self.settings
        wrong: npt.NDArray[np.bool_] = (
            usable
            & (mis >= s.misconception)
            & (mis >= np.maximum(agree, right_anywhere) + s.misconception_margin)
        )
        return wrong

    def _nothing(self, question: FreeTextQuestion, flags: list[Flag]) -> Grade:
        grades = tuple(
            ConceptGrade(c.concept, c.points, Credit.NONE, None, 0.0) for c in question.rubric
        )
        return Grade(question.id, 0.0, 0.0, question.max_points, grades, _ordered(flags), self.name)


def _within(units: list[segmentation.Unit], marked: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """The units whose whole sentence is marked: the clauses of a sentence share its fate."""
    whole = {u.sentence for u, m in zip(units, marked, strict=True) if m and u.text == u.sentence}
    return np.array([u.sentence in whole for u in units], dtype=np.bool_)


def units_negated(units: list[segmentation.Unit]) -> npt.NDArray[np.bool_]:
    """Which units deny something."""
    return np.array([u.negated for u in units], dtype=np.bool_)


def _ordered(flags: list[Flag]) -> tuple[Flag, ...]:
    order = list(Flag)
    return tuple(sorted(set(flags), key=order.index))


_shared: SemanticGrader | None = None
_shared_lock = threading.Lock()


def shared_grader() -> SemanticGrader:
    """The process's grader: one model in memory however many workers grade."""
    global _shared
    if _shared is None:
        with _shared_lock:
            if _shared is None:
                _shared = SemanticGrader()
    return _shared
