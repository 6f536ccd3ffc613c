"""What grading writes: the gradebook, one feedback file per student, the class report and class.json.

::

    DIR/gradebook.csv        one row per response, in the file's order: row, email, name, variant,
                             <id>_points, <id>_verdict per question, total, counts
    DIR/feedback/NNNN-<who>.md   per response: each answer as typed, the right value, the verdict,
                             the diagnosis sentence (NNNN-<who>.pdf with --pdf)
    DIR/class_report.tex     score histogram, success per question, the most common diagnosed
                             mistakes, unexplained wrong values shared by 3 or more (+ .pdf)
    DIR/class.json           everything above, for machines

DIR is built in a temporary folder and renamed into place when complete
(:func:`symcnn.fileio.atomic_folder`): an error leaves no partial output.
"""

from __future__ import annotations

import csv
import io
import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

from ..catalogue import catalogue, text
from ..fileio import atomic_folder, write_fresh
from ..render.jsonout import json_value
from ..render.latex import document, escape, find_engine, run_latex
from ..render.numbers import NUMBER_FORMATS
from ..render.printing import value_text
from ..render.review import diagnosis_args
from ..verify.mistakes import Diagnosis, Explanation
from .grading import SHARED, ClassResult, Graded, Mark, QuestionStats, histogram, question_stats
from .pool import default_workers

MARKER = ".symcnn-grade"


# --------------------------------------------------------------------------- words


def points_text(p: Fraction | None, lang: str = "plain") -> str:
    """Points exactly where they end (0.25, 7.5), else to 2 decimals; '' for none.

    >>> points_text(Fraction(13, 4)), points_text(Fraction(1, 3)), points_text(Fraction(15, 2), "vi")
    ('3.25', '0.33', '7,5')
    """
    if p is None:
        return ""
    d = Decimal(p.numerator) / Decimal(p.denominator)
    exact = d == d.quantize(Decimal("0.0001"))
    shown = format(d.normalize() if exact else d.quantize(Decimal("0.01")), "f")
    return shown.replace(".", NUMBER_FORMATS[lang].point) if lang != "plain" else shown


def percent(x: Fraction, lang: str) -> str:
    return points_text(Fraction(round(x * 1000), 10), lang) + " %"


def diagnosis_sentence(d: Diagnosis, lang: str) -> str:
    """A diagnosis in words, in the student's voice where the catalogue has one (``grade.diagnosis.*``)."""
    key = f"grade.diagnosis.{d.key}"
    if key not in catalogue(lang):
        key = f"diagnosis.{d.key}"
    return text(lang, key, **diagnosis_args(d, lang))


def explanation_sentence(e: Explanation, lang: str) -> str:
    return "; ".join(diagnosis_sentence(d, lang) for d in e)


def why_text(m: Mark, lang: str) -> str:
    """What the student reads under a mark: the diagnosis, the reason a cell was unreadable, a reading note."""
    parts = []
    if m.verdict == "unreadable":
        parts.append(text(lang, f"grade.unreadable.{m.why}", typed=m.typed.strip(), **dict(m.why_args)))
    if m.verdict == "wrong":
        if m.explanations:
            parts.append(text(lang, "verify.or").join(explanation_sentence(e, lang) for e in m.explanations))
        else:
            parts.append(text(lang, "grade.feedback.unexplained"))
    if len(m.readings) > 1 and m.value is not None:
        other = next(v for v in m.readings if v != m.value)
        parts.append(text(lang, "grade.feedback.ambiguous", typed=m.typed.strip(), value=value_text(m.value, lang),
                          other=value_text(other, lang)))
    return " ".join(sentence(p) for p in parts)


def sentence(p: str) -> str:
    """A catalogue phrase as a sentence: capital first, a full stop last."""
    p = p.strip()
    return p[:1].upper() + p[1:] + ("" if p[-1:] in ".!?" else ".") if p else p


def verdict_text(m: Mark, lang: str) -> str:
    return text(lang, f"grade.verdicts.{m.verdict}")


# --------------------------------------------------------------------------- gradebook.csv


def gradebook_csv(result: ClassResult) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    ids = [q.id for q in result.questions]
    w.writerow(["row", "email", "name", "variant", *(f"{q}_{c}" for q in ids for c in ("points", "verdict")),
                "total", "counts"])
    for g in result.graded:
        r = g.response
        cells = [x for m in g.marks for x in ((points_text(m.points) if g.known else ""), m.verdict)]
        w.writerow([r.row, _csv_safe(r.email), _csv_safe(r.name), _csv_safe(r.variant), *cells,
                    points_text(g.total), "yes" if g.counts else "no"])
    return out.getvalue()


def _csv_safe(s: str) -> str:
    """Text a spreadsheet would run as a formula (``=HYPERLINK(…)``) is written with a leading quote."""
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


# --------------------------------------------------------------------------- feedback


def feedback_name(g: Graded) -> str:
    """``0007-alice`` from the row and the email's (or name's) letters: unique, safe on every disk."""
    who = g.response.email.partition("@")[0] or g.response.name
    slug = re.sub(r"[^a-z0-9]+", "-", who.casefold().encode("ascii", "ignore").decode()).strip("-")[:40]
    return f"{g.response.row:04d}" + (f"-{slug}" if slug else "")


_MD = re.compile(r"([\\`*_\[\]|<>~])")


def _md(s: str) -> str:
    return _MD.sub(r"\\\1", " ".join(s.split()))


def _code(s: str) -> str:
    """A cell as typed, literally, in a Markdown code span."""
    flat = s.replace("\r\n", "\n").replace("\n", " ↵ ").strip()
    run = max((len(m) for m in re.findall(r"`+", flat)), default=0)
    fence = "`" * (run + 1)
    return f"{fence} {flat} {fence}"


@dataclass(frozen=True)
class _Line:
    """One line of a student's feedback: a label, its value, and how the value is set."""

    label: str
    value: str
    style: str = "text"  # "text", "typed" (the cell as typed, literally) or "bold"


@dataclass(frozen=True)
class _Feedback:
    """A student's feedback, before it is written as Markdown or LaTeX."""

    title: str
    head: tuple[_Line, ...]
    unknown: str | None  # the unknown variant's sentence: then nothing else follows
    total: str
    not_counting: str | None
    questions: tuple[tuple[str, tuple[_Line, ...]], ...]  # (heading, lines)


def _feedback(g: Graded, result: ClassResult, lang: str) -> _Feedback:
    r = g.response
    head = [_Line(text(lang, "grade.feedback.student"), " — ".join(x for x in (r.name, r.email) if x) or "—"),
            _Line("", text(lang, "grade.feedback.row", row=r.row))]
    if g.variant or r.variant:
        head.append(_Line(text(lang, "grade.feedback.variant"), r.variant or "—", "typed" if r.variant else "text"))
    questions = []
    for q, m in zip(result.questions, g.marks):
        typed = _Line(text(lang, "grade.feedback.typed"), m.typed, "typed") if m.typed.strip() else \
            _Line(text(lang, "grade.feedback.typed"), text(lang, "grade.feedback.blank"))
        lines = [typed, _Line(text(lang, "grade.feedback.right"), value_text(m.right, lang)),
                 _Line(text(lang, "grade.feedback.verdict"), verdict_text(m, lang), "bold")]
        why = why_text(m, lang)
        if m.carried:
            why += " " + text(lang, "grade.feedback.carried", share=percent(result.carried_credit, lang))
        if why:
            lines.append(_Line(text(lang, "grade.feedback.why"), why))
        heading = f"{text(lang, 'grade.question')} {q.id}: {points_text(m.points, lang)} / {points_text(m.out_of, lang)}"
        questions.append((heading, tuple(lines)))
    return _Feedback(
        title=text(lang, "grade.feedback.title", title=result.title), head=tuple(head),
        unknown=None if g.known else text(lang, "grade.feedback.unknown", code=r.variant),
        total=text(lang, "grade.feedback.total", total=points_text(g.total, lang) if g.known else "",
                   max=points_text(result.max_total, lang)),
        not_counting=None if g.counts else text(lang, "grade.feedback.not_counting"),
        questions=tuple(questions))


def _md_line(line: _Line) -> str:
    value = {"typed": _code, "bold": lambda v: f"**{_md(v)}**"}.get(line.style, _md)(line.value)
    return f"- {_md(line.label)}: {value}" if line.label else f"- {value}"


def feedback_md(g: Graded, result: ClassResult, lang: str) -> str:
    f = _feedback(g, result, lang)
    lines = [f"# {_md(f.title)}", "", *map(_md_line, f.head)]
    if f.unknown is not None:
        return "\n".join([*lines, "", _md(f.unknown)]) + "\n"
    lines.append(f"- **{_md(f.total)}**")
    if f.not_counting:
        lines += ["", f"_{_md(f.not_counting)}_"]
    for heading, items in f.questions:
        lines += ["", f"## {_md(heading)}", "", *map(_md_line, items)]
    return "\n".join(lines) + "\n"


def _tex_value(line: _Line) -> str:
    if line.style == "typed":
        return r"\texttt{" + escape(" ".join(line.value.split())) + "}"
    return rf"\textbf{{{escape(line.value)}}}" if line.style == "bold" else escape(line.value)


def _tex_line(line: _Line) -> str:
    return f"{escape(line.label)}: {_tex_value(line)}" if line.label else _tex_value(line)


def feedback_tex(g: Graded, result: ClassResult, lang: str) -> str:
    f = _feedback(g, result, lang)
    body = [rf"\section*{{{escape(f.title)}}}", *(_tex_line(x) + r"\\" for x in f.head)]
    if f.unknown is not None:
        return document("\n".join([*body, escape(f.unknown)]), lang)
    body.append(r"\textbf{" + escape(f.total) + "}")
    if f.not_counting:
        body.append(r"\par\emph{" + escape(f.not_counting) + "}")
    for heading, items in f.questions:
        body += [rf"\subsection*{{{escape(heading)}}}", r"\begin{itemize}",
                 *(rf"\item {_tex_line(x)}" for x in items), r"\end{itemize}"]
    return document("\n".join(body), lang)


# --------------------------------------------------------------------------- the class report


def mean(result: ClassResult) -> Fraction:
    rows = result.counting
    return sum((g.total or Fraction(0) for g in rows), Fraction(0)) / len(rows) if rows else Fraction(0)


def _example(result: ClassResult, index: int, code: str, lang: str) -> str:
    for g in result.counting:
        m = g.marks[index]
        if m.verdict == "wrong" and m.code == code:
            return explanation_sentence(m.explanations[0], lang)
    return ""


def class_report_tex(result: ClassResult, lang: str, stats: tuple[QuestionStats, ...] | None = None) -> str:
    stats = stats or question_stats(result, value_key)
    t = lambda key, **a: escape(text(lang, f"grade.report.{key}", **a))  # noqa: E731
    body = [rf"\section*{{{t('title', title=result.title)}}}",
            t("overview", counting=len(result.counting), rows=len(result.graded),
              mean=points_text(mean(result), lang), max=points_text(result.max_total, lang)),
            rf"\subsection*{{{t('histogram')}}}",
            r"\begin{tabular}{r r l}", rf"\textbf{{{t('score')}}} & \textbf{{{t('students')}}} & \\ \hline"]
    bins = histogram(result)
    top = max((n for _, _, n in bins), default=0) or 1
    for k, (lo, hi, n) in enumerate(bins):
        close = "]" if k == len(bins) - 1 else ")"
        bar = rf"\rule{{{10 * n / top:.2f}cm}}{{1.4ex}}"  # a length for the eye: float is fine here
        body.append(rf"[{points_text(lo, lang)}; {points_text(hi, lang)}{close} & {n} & {bar} \\")
    body += [r"\end{tabular}", rf"\subsection*{{{t('per_question')}}}",
             r"\begin{tabular}{l r r r r r r}",
             rf"\textbf{{{escape(text(lang, 'grade.question'))}}} & \textbf{{{t('correct')}}} & \textbf{{{t('carried')}}}"
             rf" & \textbf{{{t('missing')}}} & \textbf{{{t('unreadable')}}} & \textbf{{{t('count')}}}"
             rf" & \textbf{{{t('rate')}}} \\ \hline"]
    for s in stats:
        body.append(rf"{escape(s.id)} & {s.correct} & {s.carried} & {s.missing} & {s.unreadable} & {s.answered}"
                    rf" & {escape(percent(s.success, lang))} \\")
    body += [r"\end{tabular}", rf"\subsection*{{{t('mistakes')}}}", t("mistakes_note")]
    for i, s in enumerate(stats):
        if not s.mistakes:
            continue
        body += [rf"\paragraph{{{escape(text(lang, 'grade.question'))} {escape(s.id)}}}",
                 r"\begin{longtable}{p{4.2cm} r r p{8.2cm}}",
                 rf"\textbf{{{t('code')}}} & \textbf{{{t('count')}}} & \textbf{{{t('share')}}} & \\ \hline"]
        for code, n in s.mistakes[:8]:
            share = Fraction(n, s.answered) if s.answered else Fraction(0)
            body.append(rf"\texttt{{{escape(code)}}} & {n} & {escape(percent(share, lang))} & "
                        rf"{{\small {escape(_example(result, i, code, lang))}}} \\")
        body.append(r"\end{longtable}")
    body.append(rf"\subsection*{{{t('unexplained', n=SHARED)}}}")
    shared = [(s.id, v, n, vs) for s in stats for v, n, vs in s.unexplained]
    if shared:
        body += [r"\begin{longtable}{l l r p{6cm}}",
                 rf"\textbf{{{escape(text(lang, 'grade.question'))}}} & \textbf{{{t('value')}}} & "
                 rf"\textbf{{{t('count')}}} & \textbf{{{t('variants')}}} \\ \hline"]
        body += [rf"{escape(q)} & {escape(value_text(v, lang))} & {n} & \texttt{{{escape(', '.join(x for x in vs if x) or '—')}}} \\"
                 for q, v, n, vs in shared]
        body.append(r"\end{longtable}")
    else:
        body.append(t("nothing"))
    if result.unknown:
        body.append(rf"\subsection*{{{t('unknown')}}}")
        body.append(r"\begin{itemize}")
        body += [rf"\item {g.response.row}: \texttt{{{escape(g.response.variant or '—')}}} {escape(g.response.email)}"
                 for g in result.unknown]
        body.append(r"\end{itemize}")
    return document("\n\n".join(body), lang)


def value_key(v: Any) -> str:
    """A graded value as the report lists it (plain digits, shapes HxWxD)."""
    from .variant_files import cell

    return cell(v) if v is not None else ""


# --------------------------------------------------------------------------- class.json


def _num(p: Fraction | None) -> Any:
    if p is None:
        return None
    return int(p) if p.denominator == 1 else float(Decimal(p.numerator) / Decimal(p.denominator))


def mark_json(m: Mark, lang: str) -> dict[str, Any]:
    return {"id": m.qid, "typed": m.typed, "verdict": m.verdict, "points": _num(m.points),
            "right": json_value(m.right) if m.right is not None else None,
            "value": json_value(m.value) if m.value is not None else None,
            "readings": [json_value(v) for v in m.readings], "carried": m.carried,
            "code": m.code, "message": why_text(m, lang),
            "explanations": [[{"code": d.code, "message": diagnosis_sentence(d, lang)} for d in e]
                             for e in m.explanations]}


def class_json(result: ClassResult, lang: str, stats: tuple[QuestionStats, ...] | None = None) -> str:
    stats = stats or question_stats(result, value_key)
    data = {
        "exam": result.title, "language": lang, "carried_credit": _num(result.carried_credit),
        "form": result.responses.form, "columns": dict(result.responses.columns),
        "unmatched_questions": list(result.responses.unmatched),
        "questions": [{"id": q.id, "points": _num(q.points), "kind": q.kind} for q in result.questions],
        "max_total": _num(result.max_total), "mean": _num(mean(result)),
        "responses": [{"row": g.response.row, "email": g.response.email, "name": g.response.name,
                       "variant": g.response.variant, "graded_variant": g.variant if g.known else None,
                       "counts": g.counts, "total": _num(g.total), "feedback": feedback_name(g) + ".md",
                       "answers": [mark_json(m, lang) for m in g.marks]} for g in result.graded],
        "histogram": [{"from": _num(lo), "to": _num(hi), "students": n} for lo, hi, n in histogram(result)],
        "per_question": [{"id": s.id, "responses": s.answered, "correct": s.correct, "carried": s.carried,
                          "missing": s.missing, "unreadable": s.unreadable, "success": _num(s.success),
                          "mistakes": [{"code": c, "students": n, "share": _num(Fraction(n, s.answered))}
                                       for c, n in s.mistakes],
                          "unexplained_shared": [{"value": json_value(v), "students": n, "variants": list(vs)}
                                                 for v, n, vs in s.unexplained]} for s in stats],
        "unknown_variants": [{"row": g.response.row, "variant": g.response.variant, "email": g.response.email}
                             for g in result.unknown],
    }
    return json.dumps(data, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- the folder


def write_grades(result: ClassResult, folder: str | Path, lang: str, pdf: bool = False,
                 progress: Callable[[int], None] | None = None) -> Path:
    """Every output into ``folder`` (replaced whole, atomically); return it."""
    if pdf:
        find_engine()
    stats = question_stats(result, value_key)
    with atomic_folder(folder, MARKER) as tmp:
        write_fresh(tmp / "gradebook.csv", gradebook_csv(result))
        (tmp / "feedback").mkdir()
        for i, g in enumerate(result.graded):
            write_fresh(tmp / "feedback" / f"{feedback_name(g)}.md", feedback_md(g, result, lang))
            if progress is not None:
                progress(i + 1)
        report = class_report_tex(result, lang, stats)
        write_fresh(tmp / "class_report.tex", report)
        write_fresh(tmp / "class.json", class_json(result, lang, stats))
        if pdf:
            jobs = [(tmp / "class_report.pdf", report, "class_report.tex")]
            jobs += [(tmp / "feedback" / f"{feedback_name(g)}.pdf", feedback_tex(g, result, lang),
                      f"feedback/{feedback_name(g)}.tex") for g in result.graded]

            def one(job: tuple[Path, str, str]) -> None:
                path, tex, name = job
                write_fresh(path, run_latex(tex.encode("utf-8"), name).pdf)

            with ThreadPoolExecutor(max_workers=max(1, default_workers())) as pool:
                list(pool.map(one, jobs))
    return Path(folder)


# --------------------------------------------------------------------------- the terminal


def print_summary(result: ClassResult, lang: str, folder: str | Path) -> None:
    """The class at a glance: per question the success rate and the most common mistake; then notes."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    stats = question_stats(result, value_key)
    table = Table(title=Text(text(lang, "grade.report.title", title=result.title)), title_justify="left")
    for head, justify in (("grade.question", "left"), ("grade.success", "right"), ("grade.common", "left")):
        table.add_column(Text(text(lang, head)), justify=justify)  # type: ignore[arg-type]
    for s in stats:
        common = f"{s.mistakes[0][0]} ({s.mistakes[0][1]})" if s.mistakes else text(lang, "grade.none")
        table.add_row(Text(s.id), Text(percent(s.success, lang)), Text(common))
    console.print(table)
    notes = [text(lang, "grade.summary", rows=len(result.graded), counting=len(result.counting),
                  mean=points_text(mean(result), lang), max=points_text(result.max_total, lang))]
    earlier = sum(not g.counts for g in result.graded)
    if earlier:
        notes.append(text(lang, "grade.duplicates", n=earlier))
    if result.unknown:
        codes = ", ".join(sorted({repr(g.response.variant) for g in result.unknown}))
        rows = ", ".join(str(g.response.row) for g in result.unknown)
        notes.append(text(lang, "grade.unknown", n=len(result.unknown), codes=codes, rows=rows))
    if result.responses.unmatched:
        notes.append(text(lang, "grade.no_column", ids=", ".join(result.responses.unmatched)))
    ambiguous = sum(len(m.readings) > 1 for g in result.graded for m in g.marks)
    if ambiguous:
        notes.append(text(lang, "grade.ambiguous_cells", n=ambiguous))
    notes.append(text(lang, "grade.wrote", folder=str(folder), files=len(result.graded)))
    for line in notes:
        console.print(Text(line), soft_wrap=True)
