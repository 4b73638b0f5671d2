# ruff: noqa: RUF001  (Urdu script is data here)
"""Urdu script: how much of an answer is written in it, and how the model reads it.

The model's vocabulary has no real words in Urdu script, so the model reads a rough Roman Urdu
instead (the references are written in Roman Urdu too): a glossary of whole words first, then
letter by letter. Nothing is folded away from the candidate's own text, which evidence quotes
as typed; only what the model reads changes. How much of an answer is in Urdu script decides
whether a person should look at its grade.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")

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
