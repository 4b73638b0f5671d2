# ruff: noqa: RUF001  (Urdu script is data here)
"""The model is found inside the installed package, and a missing one is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from screenbot.errors import GraderUnavailableError
from screenbot.grading import SemanticGrader
from screenbot.grading.encoders import StaticEmbeddingEncoder, wordllama_encoder
from screenbot.grading.segmentation import units
from screenbot.grading.urdu import model_view


def test_the_bundled_model_loads_from_the_installed_package() -> None:
    encoder = wordllama_encoder()
    vectors = encoder.encode(["a cache stampede", "", "thundering herd"])
    assert vectors.shape[0] == 3
    assert not vectors[1].any()  # nothing to read: a row of zeros
    assert encoder.knows("container")
    assert not encoder.knows("contaner")


def test_a_model_that_cannot_load_raises_grader_unavailable(tmp_path: Path) -> None:
    missing = StaticEmbeddingEncoder(tmp_path / "nope.json", tmp_path / "nope.safetensors", "x")
    grader = SemanticGrader(missing)
    with pytest.raises(GraderUnavailableError):
        grader.load()
    with pytest.raises(GraderUnavailableError):
        missing.encode(["anything"])


def test_urdu_script_is_transliterated_for_the_model_and_kept_for_evidence() -> None:
    answer = "یہ IDOR ہے۔ سرور کو چیک کرنا چاہیے۔"
    found = units(answer)
    assert [u.sentence for u in found] == ["یہ IDOR ہے۔", "سرور کو چیک کرنا چاہیے۔"]
    assert "IDOR" in model_view(answer)
    assert "server" in model_view(answer)
