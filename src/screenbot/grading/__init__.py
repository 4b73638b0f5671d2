"""Free-text grading by meaning, behind a small interface.

    from screenbot.grading import shared_grader
    grade = shared_grader().grade_batch([(question, "the candidate's answer"), ...])[0]
    grade.score          # 0..1, the share of the question's points
    grade.concepts       # per rubric concept: credit (full/half/none), evidence, flags
    grade.flags          # needs-review, misconception, negated, keyword-list, off-topic, ...

The rest of the application sees `Grader`, `Grade`, `ConceptGrade`, `Credit` and `Flag`, never
the model. Loading the model can raise `screenbot.errors.GraderUnavailableError`.
"""

from screenbot.grading.results import ConceptGrade, Credit, Flag, Grade, Grader
from screenbot.grading.semantic import GRADER_VERSION, SemanticGrader, Settings, shared_grader

__all__ = [
    "GRADER_VERSION",
    "ConceptGrade",
    "Credit",
    "Flag",
    "Grade",
    "Grader",
    "SemanticGrader",
    "Settings",
    "shared_grader",
]
