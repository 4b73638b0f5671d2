"""`screenbot items stats` output: a table for people, CSV and JSON for tools."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from typing import Any

from screenbot.recruiting.item_stats import ItemReport, ItemStats, Window


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _window(window: Window) -> dict[str, Any]:
    return {
        "n": window.n,
        "share_right": _r(window.share_right),
        "median_seconds": _r(window.median_seconds, 1),
    }


def _question(item: ItemStats, outcomes: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "bank": item.bank,
        "question": item.question,
        "type": item.type,
        "n": item.n,
        "share_right": _r(item.share_right),
        "item_total": _r(item.item_total),
        "a": _r(item.a),
        "a_se": _r(item.a_se),
        "b": _r(item.b),
        "b_se": _r(item.b_se),
        "calibration": item.calibration,
        "median_seconds": _r(item.median_seconds, 1),
        "asked": item.asked,
        "screenings": item.screenings,
        "exposure": _r(item.exposure),
        "last_30_days": _window(item.last),
        "previous_30_days": _window(item.previous),
        "drift": _r(item.drift),
        "wrong_choices": [
            {
                "choice": c.choice,
                "text": c.text,
                "stronger_half": _r(c.stronger),
                "weaker_half": _r(c.weaker),
            }
            for c in item.choices
            if not c.correct
        ],
        "key": [
            {
                "choice": c.choice,
                "stronger_half": _r(c.stronger),
                "weaker_half": _r(c.weaker),
            }
            for c in item.choices
            if c.correct
        ],
    }
    if outcomes:
        d = item.decision
        out["decision"] = (
            None
            if d is None
            else {
                "advanced_n": d.advanced_n,
                "advanced_share_right": _r(d.advanced_right),
                "rejected_n": d.rejected_n,
                "rejected_share_right": _r(d.rejected_right),
                "advanced_minus_rejected": _r(d.gap),
            }
        )
    out["flags"] = [asdict(f) for f in item.flags]
    return out


def to_json(report: ItemReport) -> str:
    """The report as one JSON object: scope, counts, thresholds and a list of questions; each
    question has `decision` only once recruiters have decided on enough candidates."""
    doc = {
        "scope": report.scope,
        "screenings": report.screenings,
        "decided": report.decided,
        "outcome_feedback": report.outcomes,
        "thresholds": asdict(report.thresholds),
        "questions": [_question(i, report.outcomes) for i in report.items],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


_DECISION_FIELDS = (
    "advanced_n",
    "advanced_share_right",
    "rejected_n",
    "rejected_share_right",
    "advanced_minus_rejected",
)


def _picks(choices: list[dict[str, Any]]) -> str:
    return "; ".join(f"{c['choice']} {c['stronger_half']}/{c['weaker_half']}" for c in choices)


def to_csv(report: ItemReport) -> str:
    """One row per question; nested values flattened (`last_30_days_n`, ...), wrong choices as
    `id stronger/weaker` pairs and flags by name, each joined by "; "."""
    rows = []
    for item in report.items:
        q = _question(item, report.outcomes)
        last, previous = q.pop("last_30_days"), q.pop("previous_30_days")
        wrong, key, flags = q.pop("wrong_choices"), q.pop("key"), q.pop("flags")
        decision = q.pop("decision", None)
        row = {
            **q,
            **{f"last_30_days_{k}": v for k, v in last.items()},
            **{f"previous_30_days_{k}": v for k, v in previous.items()},
            "wrong_choices": _picks(wrong),
            "key": _picks(key),
        }
        if report.outcomes:
            row.update(decision or dict.fromkeys(_DECISION_FIELDS))
        row["flags"] = "; ".join(f["name"] for f in flags)
        rows.append(row)
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _num(value: float | None, fmt: str = "{:.2f}") -> str:
    return "-" if value is None else fmt.format(value)


#: What the a/b columns add when the stored parameters are not a fit of this version.
_NOT_FITTED = {"too_few_answers": " prior", "not_converged": " kept"}


def _with_se(value: float | None, se: float | None, status: str | None) -> str:
    if value is None:
        return "-"
    shown = f"{value:.2f}" if se is None else f"{value:.2f} ±{se:.2f}"
    return shown + _NOT_FITTED.get(status or "", "")


def table(report: ItemReport) -> str:
    """The report for people: a header, one line per question, then each flag with its reason
    and each choice question's wrong choices by the stronger and weaker half."""
    t = report.thresholds
    head = [
        "question",
        "answers",
        "right",
        "item-total r",
        "a ±SE",
        "b ±SE",
        "median time",
        "asked in",
        f"last {t.window_days} d (n)",
        f"{t.window_days} d before (n)",
    ]
    if report.outcomes:
        head.append("right: advanced vs rejected")
    head.append("flags")
    body = []
    for i in report.items:
        line = [
            f"{i.bank}/{i.question}",
            str(i.n),
            _pct(i.share_right),
            _num(i.item_total, "{:+.2f}"),
            _with_se(i.a, i.a_se, i.calibration),
            _with_se(i.b, i.b_se, i.calibration),
            _num(i.median_seconds, "{:.0f} s"),
            _pct(i.exposure),
            f"{_pct(i.last.share_right)} ({i.last.n})",
            f"{_pct(i.previous.share_right)} ({i.previous.n})",
        ]
        if report.outcomes:
            d = i.decision
            line.append(
                "-"
                if d is None
                else f"{_pct(d.advanced_right)} vs {_pct(d.rejected_right)} ({d.gap:+.0%})"
            )
        line.append(", ".join(f.name for f in i.flags) or "-")
        body.append(line)
    widths = [max(len(row[c]) for row in [head, *body]) for c in range(len(head))]

    def render(row: list[str]) -> str:
        cells = [
            cell.ljust(w) if c in {0, len(row) - 1} else cell.rjust(w)
            for c, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    lines = [
        f"Item statistics, {report.scope}: {report.screenings} screenings; "
        f"flags need {t.min_answers} answers or more.",
        f"right: share of the points earned; item-total r: correlation with ability from the "
        f"other answers; a/b: calibrated (prior: too few answers, kept: fit did not converge); "
        f"asked in: share of screenings; last {t.window_days} d / {t.window_days} d before: "
        f"share right (answers).",
    ]
    if report.outcomes:
        lines.append(
            f"Recruiters advanced or rejected {report.decided} candidates: share right among "
            "the advanced vs the rejected."
        )
    else:
        lines.append(
            f"Recruiters decided on {report.decided} candidates; the relation to their "
            f"decisions shows from {t.min_decisions}."
        )
    lines += ["", render(head), *(render(row) for row in body)]
    flagged = [(i, f) for i in report.items for f in i.flags]
    if flagged:
        lines += ["", "Flags:"]
        lines += [f"  {i.bank}/{i.question}: {f.name}: {f.reason}" for i, f in flagged]
    choice_items = [i for i in report.items if any(not c.correct for c in i.choices)]
    if choice_items:
        lines += ["", "Wrong choices, picked by the stronger half / the weaker half:"]
        for i in choice_items:
            picks = ", ".join(
                f"{c.choice} {c.text!r} {_pct(c.stronger)} / {_pct(c.weaker)}"
                for c in i.choices
                if not c.correct
            )
            key = ", ".join(
                f"{c.choice} {_pct(c.stronger)} / {_pct(c.weaker)}" for c in i.choices if c.correct
            )
            lines.append(f"  {i.bank}/{i.question}: {picks}  (key {key})")
    return "\n".join(lines) + "\n"
