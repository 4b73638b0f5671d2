# ruff: noqa: RUF001, RUF003  (Urdu script and typographic quotes are data here)
"""Reading answers: sentences and clauses, scripts, negation, bare lists of terms, keywords.

Nothing here folds Urdu script or Roman Urdu away: the candidate's own text is what evidence
quotes. What the model reads may differ: Urdu script is transliterated into Roman Urdu, which
the references are written in, and misspellings are mended towards the rubric's own words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

# Sentence ends in Latin and Urdu script (۔ full stop, ؟ question mark), line breaks and bullets.
_SENTENCE_END = re.compile(r"(?<=[.!?;۔؟])\s+|\n+|(?:^|\s)[•·▪◦]\s*|\s+(?=\d\)\s)")
# Where a long sentence divides into clauses: commas, colons, dashes and linking words.
_CLAUSE_BREAK = re.compile(
    r"\s*[,:،]\s+|\s+[-–—]\s+|\s+(?=(?:and|but|so|because|otherwise|while|whereas|then|or|"
    r"aur|lekin|magar|warna|taake|kyunke|ya|phir|اور|لیکن|مگر|ورنہ|تاکہ|کیونکہ|یا|پھر)\s)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w'’]+", re.UNICODE)
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")

MAX_UNIT_WORDS = 60
MAX_UNITS = 80

# Words that deny what follows or precedes them, in English, Roman Urdu and Urdu script.
_NEGATIONS = frozenset(
    [
        "not",
        "no",
        "never",
        "none",
        "nothing",
        "nobody",
        "neither",
        "nor",
        "cannot",
        "cant",
        "can't",
        "won't",
        "wont",
        "don't",
        "dont",
        "doesn't",
        "doesnt",
        "isn't",
        "isnt",
        "aren't",
        "arent",
        "wasn't",
        "wasnt",
        "weren't",
        "shouldn't",
        "shouldnt",
        "wouldn't",
        "wouldnt",
        "mustn't",
        "needn't",
        "hasn't",
        "haven't",
        "hadn't",
        "didn't",
        "didnt",
        "nahi",
        "nahin",
        "nahee",
        "nai",
        "na",
        "mat",
        "نہیں",
        "نہ",
        "مت",
    ]
)
# Words that open a purpose, reason or result clause: a negation after them does not deny the
# sentence's claim ("add jitter so that keys do not all expire together").
_SUBORDINATE_WORDS = (
    r"so that|so|in order that|to avoid|to prevent|otherwise|because|since|as long as|unless|"
    r"until|taake|takay|taki|warna|kyunke|kyunki|jab tak|تاکہ|ورنہ|کیونکہ|جب تک"
)
_SUBORDINATE = re.compile(rf"^(?:and |but |aur |or )?(?:{_SUBORDINATE_WORDS})\b\s*")
_SUBORDINATE_ANYWHERE = re.compile(rf"[,;:]?\s+(?:{_SUBORDINATE_WORDS})\b")

# "not only", "no longer needed"... stay negations; these phrases are not denials.
_NOT_DENIALS = (
    re.compile(r"\bnot only\b", re.I),
    re.compile(r"\bno matter\b", re.I),
    re.compile(r"\bwhether or not\b", re.I),
    re.compile(r"\bif not\b", re.I),
)

# Words that make a claim: verbs, copulas, pronouns, modal and linking words. A text with none
# of them is a list of terms, not an answer.
_CLAIM_WORDS = frozenset(
    [
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "it's",
        "its",
        "it",
        "this",
        "that",
        "these",
        "those",
        "they",
        "them",
        "we",
        "you",
        "i",
        "he",
        "she",
        "use",
        "uses",
        "using",
        "used",
        "should",
        "must",
        "can",
        "could",
        "would",
        "will",
        "shall",
        "do",
        "does",
        "did",
        "make",
        "makes",
        "add",
        "adds",
        "set",
        "sets",
        "put",
        "take",
        "takes",
        "let",
        "lets",
        "keep",
        "keeps",
        "need",
        "needs",
        "have",
        "has",
        "had",
        "get",
        "gets",
        "give",
        "gives",
        "because",
        "so",
        "if",
        "when",
        "then",
        "only",
        "also",
        "instead",
        "otherwise",
        "since",
        "therefore",
        "which",
        "who",
        "where",
        "while",
        "check",
        "checks",
        "run",
        "runs",
        "store",
        "stores",
        "send",
        "sends",
        "return",
        "returns",
        "create",
        "creates",
        "switch",
        "means",
        "hai",
        "hain",
        "tha",
        "thi",
        "the",
        "ho",
        "hota",
        "hoti",
        "hote",
        "hon",
        "karo",
        "karein",
        "kare",
        "karna",
        "karta",
        "karti",
        "karte",
        "kar",
        "kiya",
        "ye",
        "yeh",
        "woh",
        "wo",
        "isay",
        "usay",
        "agar",
        "taake",
        "kyunke",
        "kyun",
        "jab",
        "tab",
        "sirf",
        "chahiye",
        "sakta",
        "sakti",
        "sakte",
        "lagao",
        "banao",
        "rakho",
        "dekho",
        "chalao",
        "hota",
        "raha",
        "rahi",
        "ہے",
        "ہیں",
        "تھا",
        "تھی",
        "ہو",
        "ہوتا",
        "ہوتی",
        "کریں",
        "کرے",
        "کرنا",
        "کر",
        "کیا",
        "یہ",
        "وہ",
        "اسے",
        "اگر",
        "تاکہ",
        "کیونکہ",
        "جب",
        "صرف",
        "چاہیے",
        "سکتا",
    ]
)

# The claim words that no technical term contains: copulas, pronouns, modals.
_STRONG_CLAIM_WORDS = frozenset(
    [
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "it's",
        "it",
        "this",
        "that",
        "they",
        "we",
        "you",
        "i",
        "he",
        "she",
        "should",
        "must",
        "can",
        "could",
        "would",
        "will",
        "shall",
        "do",
        "does",
        "did",
        "because",
        "so",
        "if",
        "then",
        "hai",
        "hain",
        "tha",
        "thi",
        "ho",
        "hota",
        "hoti",
        "hon",
        "karo",
        "karein",
        "kare",
        "karna",
        "chahiye",
        "ye",
        "yeh",
        "woh",
        "agar",
        "taake",
        "kyunke",
        "ہے",
        "ہیں",
        "تھا",
        "ہو",
        "کریں",
        "کرے",
        "چاہیے",
        "یہ",
        "وہ",
        "اگر",
        "تاکہ",
    ]
)

# Verbs that make an item an instruction ("use bcrypt") rather than a term.
_IMPERATIVES = frozenset(
    [
        "use",
        "add",
        "set",
        "put",
        "run",
        "store",
        "send",
        "return",
        "create",
        "switch",
        "keep",
        "make",
        "let",
        "give",
        "take",
        "delete",
        "lock",
        "retry",
        "sign",
        "verify",
        "check",
        "avoid",
        "enable",
        "disable",
        "move",
        "split",
        "cache",
        "karo",
        "lagao",
        "banao",
        "rakho",
    ]
)

# Phrases that address the grader instead of the question.
_INSTRUCTIONS = re.compile(
    r"\b(ignore (?:the |all |any |previous |your )*(?:rubric|instructions?|rules?)|"
    r"(?:give|award|grant)\w* (?:me |this (?:answer )?|it )?(?:full|maximum|max|all(?: the)?) "
    r"(?:marks|points|score|credit)|full marks|you are (?:the|a) grader|system\s*:)",
    re.IGNORECASE,
)

# Urdu script to a rough Roman Urdu, for the model's eyes only. Whole words first: everyday
# function words and the English loanwords backend answers are full of; then letter by letter.
_URDU_WORDS = {
    "ہے": "hai",
    "ہیں": "hain",
    "ہو": "ho",
    "ہوں": "hon",
    "ہوتا": "hota",
    "ہوتی": "hoti",
    "تھا": "tha",
    "تھی": "thi",
    "کو": "ko",
    "سے": "se",
    "کا": "ka",
    "کی": "ki",
    "کے": "ke",
    "میں": "mein",
    "اور": "aur",
    "یا": "ya",
    "کریں": "karein",
    "کرے": "kare",
    "کر": "kar",
    "کرنا": "karna",
    "کرتا": "karta",
    "تاکہ": "taake",
    "اگر": "agar",
    "تو": "to",
    "نہیں": "nahi",
    "نہ": "na",
    "یہ": "ye",
    "وہ": "woh",
    "اس": "is",
    "اسے": "isay",
    "پر": "par",
    "ایک": "ek",
    "دو": "do",
    "بار": "baar",
    "ساتھ": "saath",
    "صرف": "sirf",
    "جب": "jab",
    "پھر": "phir",
    "لیکن": "lekin",
    "کیونکہ": "kyunke",
    "بہت": "bohat",
    "تیز": "tez",
    "نیا": "naya",
    "پرانا": "purana",
    "دوسرا": "doosra",
    "دوسری": "doosri",
    "باقی": "baqi",
    "سارے": "saare",
    "ہر": "har",
    "جگہ": "jagah",
    "استعمال": "use",
    "چاہیے": "chahiye",
    "سکتا": "sakta",
    "ڈیٹابیس": "database",
    "ڈیٹا": "data",
    "کیش": "cache",
    "ریکویسٹ": "request",
    "درخواست": "request",
    "سرور": "server",
    "یوزر": "user",
    "صارف": "user",
    "پاس": "pass",
    "ورڈ": "word",
    "پاسورڈ": "password",
    "ہیش": "hash",
    "سالٹ": "salt",
    "لاک": "lock",
    "ٹیسٹ": "test",
    "لوپ": "loop",
    "کنٹینر": "container",
    "روٹ": "root",
    "ہوسٹ": "host",
    "پوڈ": "pod",
    "ٹریفک": "traffic",
    "ری": "re",
    "اسٹارٹ": "start",
    "ریسٹارٹ": "restart",
    "ویلیو": "value",
    "ایونٹ": "event",
    "پروسیس": "process",
    "انوائس": "invoice",
    "چیک": "check",
    "فیل": "fail",
    "ڈاؤن": "down",
    "لیک": "leak",
    "کوڈ": "code",
    "لائیونیس": "liveness",
    "ریڈینس": "readiness",
    "حملہ": "attack",
    "آور": "er",
    "دوبارہ": "dobara",
    "انتظار": "intezar",
    "محفوظ": "save",
    "بھیجیں": "bhejein",
    "سیکنڈ": "second",
    "اربوں": "billions",
    "ناکامی": "failure",
    "بنائیں": "banao",
}
_URDU_LETTERS = {
    "ا": "a",
    "آ": "aa",
    "ب": "b",
    "پ": "p",
    "ت": "t",
    "ٹ": "t",
    "ث": "s",
    "ج": "j",
    "چ": "ch",
    "ح": "h",
    "خ": "kh",
    "د": "d",
    "ڈ": "d",
    "ذ": "z",
    "ر": "r",
    "ڑ": "r",
    "ز": "z",
    "ژ": "zh",
    "س": "s",
    "ش": "sh",
    "ص": "s",
    "ض": "z",
    "ط": "t",
    "ظ": "z",
    "ع": "a",
    "غ": "gh",
    "ف": "f",
    "ق": "q",
    "ک": "k",
    "گ": "g",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "ں": "n",
    "و": "o",
    "ہ": "h",
    "ھ": "h",
    "ء": "",
    "ی": "i",
    "ے": "e",
    "ئ": "i",
    "ۓ": "e",
    "ؤ": "o",
    "ة": "h",
    "ك": "k",
    "ي": "i",
    "ى": "i",
    "ۃ": "h",
    "ۂ": "h",
    "أ": "a",
    "إ": "i",
    "۔": ".",
    "،": ",",
    "؟": "?",
    "؛": ";",
}


@dataclass(frozen=True)
class Unit:
    """A stretch of the answer the model compares: a sentence, or a clause of a long one."""

    text: str  # exactly as the candidate typed it
    sentence: str  # the sentence it comes from, quoted as evidence
    model_text: str  # what the model reads
    negated: bool
    claims: bool  # says something (a verb, a pronoun, a linking word), not just names terms


def words(text: str) -> list[str]:
    """Lower-case words, apostrophes kept (don't), in any script."""
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def urdu_share(text: str) -> float:
    """The share of the letters of `text` written in Arabic script."""
    arabic = len(_ARABIC_SCRIPT.findall(text))
    latin = len(_LATIN_LETTER.findall(text))
    return arabic / (arabic + latin) if arabic + latin else 0.0


@lru_cache(maxsize=8192)
def romanise(text: str) -> str:
    """Urdu script turned into rough Roman Urdu; Latin text passes through unchanged."""
    if not _ARABIC_SCRIPT.search(text):
        return text
    out: list[str] = []
    for token in re.split(r"(\s+)", text):
        bare = token.strip("۔،؟؛.,?!:;()")
        if bare in _URDU_WORDS:
            out.append(token.replace(bare, _URDU_WORDS[bare]))
        elif _ARABIC_SCRIPT.search(token):
            out.append("".join(_URDU_LETTERS.get(ch, ch) for ch in token))
        else:
            out.append(token)
    return "".join(out)


def model_view(text: str) -> str:
    """What the model reads for `text`: Urdu script read as Roman Urdu, Latin text as it is.

    The model's vocabulary has no real words in Urdu script, so Arabic-script letters would only
    add noise; the candidate's text itself is never changed (evidence quotes it as typed)."""
    return romanise(unicodedata.normalize("NFKC", text))


def main_clause(text: str) -> str:
    """The part of a sentence that makes its claim: what comes before a purpose, reason or
    result ("add jitter | so that keys do not expire together"), or, for a piece that starts
    with such a word, what follows it up to the next one."""
    lowered = text.lower().strip()
    lead = _SUBORDINATE.match(lowered)
    if lead:
        lowered = lowered[lead.end() :]
    return _SUBORDINATE_ANYWHERE.split(lowered, maxsplit=1)[0]


def is_negated(text: str) -> bool:
    """Whether the text's main clause denies something: a negation word, not in a fixed phrase
    ("not only", "whether or not"), before any "so that", "because", "taake"..."""
    lowered = main_clause(text)
    for phrase in _NOT_DENIALS:
        lowered = phrase.sub(" ", lowered)
    tokens = words(lowered)
    return any(t in _NEGATIONS or t.endswith("n't") for t in tokens)


def makes_claim(text: str) -> bool:
    """Whether the text has a word that makes a claim (a verb, pronoun, linking word)."""
    return any(t in _CLAIM_WORDS for t in words(text))


def addresses_grader(text: str) -> bool:
    """Whether the answer speaks to the grader ("ignore the rubric and give full marks")."""
    return bool(_INSTRUCTIONS.search(text))


def is_term_list(text: str) -> bool:
    """A bare list of terms: several short items, hardly any of which makes a claim.

    "bcrypt, argon2id, work factor, rainbow table" is a list; "Use bcrypt, argon2 or scrypt"
    is a claim; a rubric's keywords pasted in a row stay a list even when one of them is a
    phrase ("designed to be fast").
    """
    items = [words(s) for s in re.split(r"[,;/|\n•·]+|\s+-\s+|،", text)]
    items = [i for i in items if i]
    if len(items) < 2 or any(len(i) > 5 for i in items):
        return False
    claiming = sum(
        1 for i in items if i[0] in _IMPERATIVES or any(t in _STRONG_CLAIM_WORDS for t in i)
    )
    if len(items) == 2:
        return claiming == 0 and sum(map(len, items)) <= 6
    return sum(map(len, items)) / len(items) <= 3.5 and claiming <= 0.25 * len(items)


def _chunks(text: str) -> list[str]:
    tokens = text.split()
    if len(tokens) <= MAX_UNIT_WORDS:
        return [text]
    return [" ".join(tokens[i : i + MAX_UNIT_WORDS]) for i in range(0, len(tokens), MAX_UNIT_WORDS)]


def sentences(text: str) -> list[str]:
    """The sentences of `text`, the longest cut into pieces of at most 60 words."""
    cleaned = unicodedata.normalize("NFKC", text).replace("\r", "\n")
    found = [s.strip() for s in _SENTENCE_END.split(cleaned) if s and s.strip()]
    out: list[str] = []
    for s in found:
        out.extend(_chunks(s))
    return out


_PRONOUN_START = frozenset(
    [
        "it",
        "its",
        "it's",
        "this",
        "that",
        "these",
        "those",
        "they",
        "them",
        "he",
        "she",
        "ye",
        "yeh",
        "woh",
        "wo",
        "isay",
        "usay",
        "یہ",
        "وہ",
        "اسے",
    ]
)


def _leans_back(piece: str) -> bool:
    """A piece that starts with a pronoun is read together with the piece before it."""
    first = words(piece[:40])
    return bool(first) and first[0] in _PRONOUN_START


def units(text: str) -> list[Unit]:
    """Sentences, and for a sentence with more than one clause its clauses as well."""
    out: list[Unit] = []
    previous_sentence = ""
    for sentence in sentences(text):
        pieces = [(sentence, previous_sentence)]
        clauses = [c.strip() for c in _CLAUSE_BREAK.split(sentence) if c and c.strip()]
        clauses = [c for c in clauses if len(words(c)) >= 2]
        if len(clauses) > 1:
            pieces.extend(
                (c, clauses[i - 1] if i else previous_sentence) for i, c in enumerate(clauses)
            )
        for piece, before in pieces:
            if not words(piece):
                continue
            seen = f"{before} {piece}" if before and _leans_back(piece) else piece
            out.append(
                Unit(
                    text=piece,
                    sentence=sentence,
                    model_text=model_view(seen),
                    negated=is_negated(piece),
                    claims=makes_claim(piece) or len(words(piece)) > 6,
                )
            )
            if len(out) >= MAX_UNITS:
                return out
        previous_sentence = sentence
    return out


_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{3,}")


def rubric_vocabulary(texts: list[str]) -> frozenset[str]:
    """The Latin words (four letters or more) a rubric uses: what misspellings are corrected to."""
    return frozenset(w.lower() for t in texts for w in _LATIN_WORD.findall(t))


def correct_spelling(text: str, vocabulary: frozenset[str], known: Callable[[str], bool]) -> str:
    """Misspelt words mended towards the rubric's own words ("bilions" -> "billions").

    Only a word the model does not know whole and the rubric does not use, one or two edits
    from exactly one rubric word, is changed, and only in what the model reads.
    """

    def mend(match: re.Match[str]) -> str:
        word = match.group(0)
        lowered = word.lower()
        if lowered in vocabulary or known(lowered):
            return word
        limit = 1 if len(lowered) <= 6 else 2
        near = [v for v in vocabulary if abs(len(v) - len(lowered)) <= limit and v[0] == lowered[0]]
        near = [v for v in near if OSA.distance(lowered, v, score_cutoff=limit) <= limit]
        return near[0] if len(near) == 1 else word

    return _LATIN_WORD.sub(mend, text)


# Keywords: the old grader's signal, kept as one signal among several.
_NON_WORD = re.compile(r"[^a-z0-9+#]+")


def _stem(token: str) -> str:
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("es", ""), ("s", "")):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3 and not token.endswith("ss"):
            return token[: -len(suffix)] + keep
    return token


@lru_cache(maxsize=16384)
def keyword_form(text: str) -> tuple[str, ...]:
    """Lower-case Latin word stems, for keyword matching only (never for what the model reads)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return tuple(_stem(t) for t in _NON_WORD.split(folded.replace("-", " ")) if t)


@lru_cache(maxsize=65536)
def mentions(text: str, keyword: str) -> bool:
    """Whether a keyword phrase appears in the text, forgiving a typo or a plural."""
    wanted = keyword_form(keyword)
    have = keyword_form(text)
    if not wanted or len(have) < len(wanted):
        return False
    phrase = " ".join(wanted)
    size = len(wanted)
    threshold = 101.0 if len(phrase) <= 3 else 80.0 if len(phrase) <= 6 else 85.0
    for start in range(len(have) - size + 1):
        window = " ".join(have[start : start + size])
        if window == phrase or fuzz.ratio(window, phrase) >= threshold:
            return True
    return False
