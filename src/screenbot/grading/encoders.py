"""Sentence vectors: the one place that knows which model the grader runs.

The bundled model is WordLlama's `l2_supercat` (MIT): a table of 256-dimensional token vectors
distilled from Llama 2's embeddings and trained for sentence similarity, with its tokenizer.
Both files ship inside the `wordllama` wheel; they are read straight from the installed package,
so nothing is ever downloaded and `wordllama` itself is never imported (its package import sets
up logging for the whole process and pulls in an HTTP client for downloads we never make).
A sentence's vector is the mean of its tokens' vectors: cheap enough to grade hundreds of
answers a second on one core, with no threads of its own beyond the tokenizer's.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from screenbot.errors import GraderUnavailableError

Vectors = npt.NDArray[np.float32]


class Encoder(Protocol):
    """Turns texts into unit-length vectors whose dot products are cosine similarities."""

    @property
    def name(self) -> str:
        """The model and its version, recorded with every grade."""
        ...

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One row per text, L2-normalised; a text with nothing to read is a row of zeros."""
        ...


def unit_rows(matrix: npt.NDArray[np.float32]) -> Vectors:
    """Each row scaled to length 1; a row of zeros stays zeros."""
    norms: Vectors = np.linalg.norm(matrix, axis=1, keepdims=True).astype(np.float32)
    np.maximum(norms, np.float32(1e-12), out=norms)
    out: Vectors = np.divide(matrix, norms, dtype=np.float32)
    return out


# Words that carry little of a sentence's meaning weigh less in its vector.
FUNCTION_WORD_WEIGHT = 0.3
FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "as",
        "and",
        "or",
        "but",
        "so",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "then",
        "than",
        "i",
        "we",
        "you",
        "they",
        "he",
        "she",
        "my",
        "our",
        "your",
        "their",
        "me",
        "us",
        "them",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "shall",
        "may",
        "might",
        "must",
        "just",
        "also",
        "very",
        "which",
        "who",
        "whom",
        "what",
        "when",
        "where",
        "while",
        "if",
        "into",
        "about",
        "over",
        "such",
        "some",
        "any",
        "each",
        "every",
        "all",
        "both",
        "hai",
        "hain",
        "ka",
        "ki",
        "ke",
        "ko",
        "se",
        "mein",
        "aur",
        "ya",
        "to",
        "bhi",
        "ye",
        "yeh",
        "woh",
        "is",
        "us",
        "jo",
        "tha",
        "thi",
    ]
)


class StaticEmbeddingEncoder:
    """Mean-pooled static token vectors (WordLlama's format): a tokenizer and one table."""

    def __init__(self, tokenizer_file: Path, weights_file: Path, name: str) -> None:
        self._tokenizer_file = tokenizer_file
        self._weights_file = weights_file
        self._name = name
        self._lock = threading.Lock()
        self._table: npt.NDArray[np.float32] | None = None
        self._weights: npt.NDArray[np.float32] | None = None
        self._tokenizer: Any = None

    @property
    def name(self) -> str:
        """The model and its version."""
        return self._name

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory."""
        return self._table is not None

    def load(self) -> None:
        """Read the model once; later calls return at once. Raises GraderUnavailableError."""
        if self._table is not None:
            return
        with self._lock:
            if self._table is not None:
                return
            try:
                from safetensors.numpy import load_file
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(str(self._tokenizer_file))
                tokenizer.no_padding()
                tokenizer.no_truncation()
                tensors = load_file(str(self._weights_file))
                table = np.ascontiguousarray(tensors["embedding.weight"], dtype=np.float32)
            except Exception as exc:  # any failure to read the model means: grading waits
                raise GraderUnavailableError(
                    f"The grading model {self._name} could not be loaded: {exc}"
                ) from exc
            weights = np.ones(table.shape[0], dtype=np.float32)
            for word in FUNCTION_WORDS:
                for form in (word, word.capitalize()):
                    token = tokenizer.token_to_id(f"\u2581{form}")
                    if token is not None:
                        weights[token] = FUNCTION_WORD_WEIGHT
            self._tokenizer = tokenizer
            self._weights = weights
            self._table = table

    def knows(self, word: str) -> bool:
        """Whether the model has the word as one token of its own (a real, common word)."""
        self.load()
        return self._tokenizer.token_to_id(f"\u2581{word}") is not None

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Weighted mean of each text's token vectors, unit length; loads the model if needed."""
        self.load()
        table, weights, tokenizer = self._table, self._weights, self._tokenizer
        assert table is not None
        assert weights is not None
        assert tokenizer is not None
        out = np.zeros((len(texts), table.shape[1]), dtype=np.float32)
        if not texts:
            return out
        encodings = tokenizer.encode_batch(list(texts), add_special_tokens=False)
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(texts))
        if not lengths.any():
            return out
        ids = np.fromiter(
            (i for e in encodings for i in e.ids), dtype=np.int64, count=int(lengths.sum())
        )
        np.clip(ids, 0, table.shape[0] - 1, out=ids)
        rows = np.flatnonzero(lengths)
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))[rows]
        w = weights[ids]
        sums = np.add.reduceat(table[ids] * w[:, None], starts, axis=0)
        out[rows] = sums / np.add.reduceat(w, starts)[:, None]
        return unit_rows(out)


def wordllama_encoder() -> StaticEmbeddingEncoder:
    """The bundled model, found inside the installed `wordllama` package without importing it.

    Raises GraderUnavailableError when the package or its files are missing.
    """
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise GraderUnavailableError(
            "The grading model is not installed: the `wordllama` package is missing."
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    tokenizer_file = root / "tokenizers" / "l2_supercat_tokenizer_config.json"
    weights_file = root / "weights" / "l2_supercat_256.safetensors"
    for f in (tokenizer_file, weights_file):
        if not f.is_file():
            raise GraderUnavailableError(f"The grading model's file {f} is missing.")
    try:
        version = metadata.version("wordllama")
    except metadata.PackageNotFoundError:  # pragma: no cover - files without metadata
        version = "unknown"
    return StaticEmbeddingEncoder(
        tokenizer_file, weights_file, name=f"wordllama-l2-supercat-256/{version}"
    )
