"""`symcnn export moodle`: the XML parses, fractions are Moodle's, no answer is unreachable, round trip.

The cloze fields are read back with a port of Moodle's own parser (the regular expressions of
``question/type/multianswer/questiontype.php`` and its feedback decoding), and the tolerance
check is Moodle's (``qtype_numerical_answer::get_tolerance_interval``, PHP floats), written
here apart from the exporter. Every right answer is compared with `symcnn solve --json` of
its own exam (each variant solved on its own).
"""

from __future__ import annotations

import html
import io
import json
import re
import xml.etree.ElementTree as ET
from contextlib import redirect_stdout
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from symcnn.classroom.moodle import cdata
from symcnn.cli import main
from symcnn.exam.spec import embedded_text, load_exam

ALLOWED = {"100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333", "30", "25",
           "20", "16.66667", "14.28571", "12.5", "11.11111", "10", "5", "0"}

# Moodle's cloze grammar (multianswer/questiontype.php); PCRE's (?<!\\|&|&amp;) as three lookbehinds
FRACTION = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
ALTERNATIVE = f"({FRACTION})?({ANSWER})(#({FEEDBACK}))?"
FIELD = re.compile(r"\{([0-9]*):(NUMERICAL|NM):(" + ALTERNATIVE + "(~" + ALTERNATIVE + r")*)\}", re.S)
ONE = re.compile("~?" + ALTERNATIVE, re.S)
NUMBER = r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)"
NUMERICAL = re.compile(f"^({NUMBER})(:{NUMBER})?$")


def cloze_fields(questiontext: str) -> list[list[tuple[str, str, str, str]]]:
    """Each NUMERICAL field as Moodle reads it: (fraction %, answer, tolerance, feedback) per answer."""
    fields = []
    rest = questiontext
    while (m := FIELD.search(rest)) is not None:
        alts, out = m.group(3), []
        while alts and (a := ONE.match(alts)) is not None and a.group(0):
            fraction = "100" if a.group(1) == "=" else (a.group(2) or "0")
            feedback = html.unescape(a.group(5) or "").replace("\\}", "}").replace("\\#", "#")
            num = NUMERICAL.match(a.group(3))
            answer, tol = (num.group(1), num.group(6) or "0") if num else (a.group(3), "")
            out.append((fraction, answer, tol, feedback))
            alts = alts[len(a.group(0)):]
        fields.append(out)
        rest = rest[m.end():]
    return fields


def interval(answer: str, tolerance: str) -> tuple[float, float]:
    """Moodle's nominal tolerance interval, in PHP floats (precision 14)."""
    a, t = float(answer), abs(float(tolerance))
    eps = 10.0 ** -14
    t = t + eps * max(t, abs(a), eps)
    return a - t, a + t


def answers_of(q: ET.Element) -> list[list[tuple[str, str, str, str]]]:
    """Every field of a question: one for a numerical question, the parsed fields of a cloze one."""
    if q.get("type") == "numerical":
        return [[(a.get("fraction"), a.findtext("text"), a.findtext("tolerance"), a.findtext("feedback/text"))
                 for a in q.findall("answer")]]
    return cloze_fields(q.findtext("questiontext/text"))


def solve_json(spec: str | None) -> dict:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["solve", *([spec] if spec else []), "--json"]) == 0
    return {a["id"]: a for a in json.loads(out.getvalue(), parse_float=Decimal)["answers"]}


def flat(value) -> list:
    if isinstance(value, list):
        return [x for v in value for x in flat(v)]
    return [value]


def export(tmp_path: Path, *args: str) -> ET.Element:
    out = tmp_path / "quiz.xml"
    with redirect_stdout(io.StringIO()):
        assert main(["export", "moodle", *args, "-o", str(out)]) == 0
    return ET.parse(out).getroot()


@pytest.fixture(scope="module")
def seed_quiz(tmp_path_factory) -> ET.Element:
    return export(tmp_path_factory.mktemp("moodle"), "--lang", "en")


def questions(root: ET.Element) -> list[ET.Element]:
    return [q for q in root if q.get("type") != "category"]


def check_quiz(root: ET.Element, answer_of, carried: str) -> int:
    """Every invariant of a quiz; returns the number of answers checked.

    ``answer_of(name)`` is the question's answer in `symcnn solve --json`; ``carried`` is a
    phrase of the carried-over feedback (the only one that earns a fraction between 0 and 100).
    """
    checked = 0
    for q in questions(root):
        assert q.get("type") in ("numerical", "cloze")
        solved = answer_of(q.findtext("name/text"))
        right = flat(solved["value"])
        half_unit = 0 if solved.get("decimals") is None else Decimal(5).scaleb(-solved["decimals"] - 1)
        fields = answers_of(q)
        assert len(fields) == len(right), q.findtext("name/text")
        for field, expected in zip(fields, right):
            assert field[0][0] == "100" and Decimal(field[0][1]) == Decimal(expected)  # the right answer first
            assert field[-1][1] == "*" and field[-1][0] == "0"  # then everything else
            numbers = field[:-1]
            for k, (fraction, answer, tol, feedback) in enumerate(numbers):
                assert fraction in ALLOWED
                assert feedback
                assert Decimal(tol) == half_unit
                for earlier in numbers[:k]:  # Moodle takes the first match: every answer must be reachable
                    lo, hi = interval(earlier[1], earlier[2])
                    assert not lo <= float(answer) <= hi, (q.findtext("name/text"), earlier[1], answer)
                checked += 1
            assert all(f[0] == "0" or f[0] == "100" or carried in f[3] for f in numbers)
    return checked


def test_seed_quiz_parses_and_round_trips(seed_quiz):
    solved = solve_json(None)
    assert [q.findtext("name/text") for q in questions(seed_quiz)] == list(solved)
    n = check_quiz(seed_quiz, solved.get, "given an earlier wrong answer")
    assert n > 13 * 5  # mistakes were exported, not only the right answers
    kinds = {q.findtext("name/text"): q.get("type") for q in questions(seed_quiz)}
    assert kinds["2a"] == kinds["3d"] == "cloze" and kinds["1a"] == kinds["4c"] == "numerical"
    cats = [c.findtext("category/text") for c in seed_quiz if c.get("type") == "category"]
    title = load_exam().title.replace("/", "//")  # Moodle reads "//" in a category path as a literal "/"
    assert cats == [f"$course$/{title}/{qid}" for qid in solved]


def test_points_are_default_grades(seed_quiz):
    exam = load_exam()
    grades = {q.findtext("name/text"): Fraction(q.findtext("defaultgrade")) for q in questions(seed_quiz)}
    assert grades == {q.id: q.points for q in exam.questions}


def test_mistake_feedback_and_formula(seed_quiz):
    q = next(q for q in questions(seed_quiz) if q.findtext("name/text") == "3b")
    t = load_exam().training
    right = solve_json(None)["3b"]["value"]
    values = {Fraction(a.findtext("text")): a for a in q.findall("answer") if a.findtext("text") != "*"}
    # a mini-batch of 32: (1 + r)·32·F, with F = 3b / ((1 + r)·B)
    forward = Fraction(right, (1 + t.backward_factor) * t.batch_size)
    half = (1 + t.backward_factor) * 32 * forward
    assert values[half].get("fraction") == "0" and "32" in values[half].findtext("feedback/text")
    star = [a for a in q.findall("answer") if a.findtext("text") == "*"]
    assert len(star) == 1 and r"\(F_{\mathrm{B}} = B \cdot F" in star[0].findtext("feedback/text")


def test_cloze_feedback_survives_moodle_parsing(seed_quiz):
    q = next(q for q in questions(seed_quiz) if q.findtext("name/text") == "2a")
    fields = cloze_fields(q.findtext("questiontext/text"))
    exam = load_exam()
    assert len(fields) == 3 * 4
    star = fields[0][-1][3]  # the * feedback of H_1 after Moodle's decoding: TeX with its braces and backslashes
    assert r"\(H_{1} = \left\lfloor{\frac{H_{0} - k_{1} + 2 \cdot p_{1}}{s_{1}}}\right\rfloor + 1\)" in star
    pool2 = 3 * 3  # the H field of layer 4 (pool2)
    k, s, p = (getattr(exam.network.nodes[3].layer, f) for f in ("kernel", "stride", "padding"))
    h3 = solve_json(None)["2a"]["value"][2][0]
    wrong = (h3 + 2 * (p - 1) - k) // s + 1  # pool2 padded by one less
    feedback = {Decimal(a): f for _, a, _, f in fields[pool2][:-1]}
    assert "pool2" in feedback[Decimal(wrong)]
    # no raw } or ~ inside a feedback: even a reader that ends a field at its first } sees every answer
    naive = re.findall(r"\{1:NUMERICAL:([^}]*)\}", q.findtext("questiontext/text"))
    assert [[alt.partition("#")[0] for alt in field.split("~")] for field in naive] == \
        [[("=" if f == "100" else f"%{f}%") + a + (f":{t}" if t else "") for f, a, t, _ in field] for field in fields]


def test_variants_one_category_per_question(tmp_path):
    folder = tmp_path / "v"
    with redirect_stdout(io.StringIO()):
        assert main(["variants", "--count", "2", "--seed", "3", "--out", str(folder)]) == 0
    root = export(tmp_path, "--variants", str(folder), "--lang", "vi")
    codes = sorted(p.name for p in folder.iterdir() if p.is_dir())
    solved = {code: solve_json(str(folder / code / "exam.toml")) for code in codes}
    entries = list(root)
    ids = list(solved[codes[0]])
    for k, qid in enumerate(ids):  # a category, then one question per variant
        block = entries[k * (len(codes) + 1): (k + 1) * (len(codes) + 1)]
        assert block[0].get("type") == "category"
        assert block[0].findtext("category/text") == f"$course$/v/{qid}"
        assert sorted(q.findtext("name/text") for q in block[1:]) == sorted(f"{qid} {c}" for c in codes)

    def right(name: str):
        qid, code = name.split()
        return solved[code][qid]

    check_quiz(root, right, "dùng một kết quả sai ở câu trước")


def test_carried_over_fraction(tmp_path):
    root = export(tmp_path, "--carried-credit", "1/3", "--lang", "en")
    by = {q.findtext("name/text"): q for q in questions(root)}
    t = load_exam().training
    wrong_3a = [Fraction(a.findtext("text")) for a in by["3a"].findall("answer")
                if a.get("fraction") == "0" and a.findtext("text") != "*"]
    carried = {(1 + t.backward_factor) * t.batch_size * w for w in wrong_3a}  # 3b computed on a wrong 3a
    hits = [a for a in by["3b"].findall("answer") if a.findtext("text") != "*" and Fraction(a.findtext("text")) in carried]
    assert hits and all(a.get("fraction") == "33.33333" for a in hits)  # Moodle's nearest to 1/3
    cloze = answers_of(by["2a"])  # a cloze field takes whole percentages only: 30 is nearest
    assert {f for field in cloze for f, *_ in field} <= {"100", "30", "0"}


def test_cdata_with_its_end_marker(tmp_path):
    root = export(tmp_path, "--category", "A]]>B", "--lang", "en")
    assert root[0].findtext("category/text") == "$course$/A]]>B/1a"
    for s in ["]]>", "x]]>]]>y", "]]]]>>", "a]]b>"]:
        assert ET.fromstring(f"<t>{cdata(s)}</t>").text == s


def test_spec_text_reaches_the_question(tmp_path):
    spec = tmp_path / "exam.toml"
    spec.write_text(embedded_text().replace('kind = "dataset.crops"', 'kind = "dataset.crops"\ntext = "How many <crops> & ]]> so?"', 1),
                    encoding="utf-8")
    root = export(tmp_path, str(spec), "--lang", "en")
    first = questions(root)[0].findtext("questiontext/text")
    assert "How many &lt;crops&gt; &amp; ]]&gt; so?" in first


@pytest.mark.parametrize("args, message", [
    (["--carried-credit", "2"], "--carried-credit must be a number from 0 to 1, got '2'"),
    (["--carried-credit", "half"], "--carried-credit must be a number from 0 to 1, got 'half'"),
    (["--variants", "/nonexistent/set"], "/nonexistent/set: no such folder"),
])
def test_bad_input_is_one_line(tmp_path, capsys, args, message):
    out = tmp_path / "quiz.xml"
    assert main(["export", "moodle", *args, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not out.exists()


@pytest.mark.parametrize("a, b, tolerance", [
    (14105627852800000, 14105627852800100, 0),  # 1e-14 of 1.4e16 is 141: Moodle cannot tell these apart
    (14105627852800000, 14105627852800200, 0),
    (12582912000, 12582912001, 0),
    (Decimal("0.87"), Decimal("0.875"), Decimal("0.005")),  # the boundary belongs to the interval
    (Decimal("0.87"), Decimal("0.876"), Decimal("0.005")),
    (Decimal("-0.87"), Decimal("-0.86"), Decimal("0.005")),
    (Decimal("5.0913"), Decimal("5.0914"), Decimal("0.00005")),
])
def test_overlap_is_moodles_interval(a, b, tolerance):
    from symcnn.classroom.moodle import overlaps

    lo, hi = interval(str(a), str(tolerance))
    assert overlaps(Decimal(a), Decimal(b), Decimal(tolerance)) == (lo <= float(b) <= hi)


def test_spec_text_cannot_open_a_cloze_field(tmp_path):
    spec = tmp_path / "exam.toml"
    text = 'text = "Shapes {1:NUMERICAL:=5:0#x} please"'
    spec.write_text(embedded_text().replace('kind = "network.shapes"', 'kind = "network.shapes"\n' + text, 1),
                    encoding="utf-8")
    q = next(q for q in questions(export(tmp_path, str(spec), "--lang", "en")) if q.findtext("name/text") == "2a")
    assert len(cloze_fields(q.findtext("questiontext/text"))) == 3 * 4
    assert "Shapes &#123;1:NUMERICAL:=5:0#x} please" in q.findtext("questiontext/text")


def test_coinciding_mistakes_share_one_answer(seed_quiz):
    """Two mistakes giving one value (1 transform with the originals, 2 without) make one answer naming both."""
    d = load_exam().dataset
    q = next(q for q in questions(seed_quiz) if q.findtext("name/text") == "1b")
    two_per_crop = d.images * d.crops_per_image * 2
    found = [a for a in q.findall("answer") if a.findtext("text") == str(two_per_crop)]
    assert len(found) == 1
    assert found[0].findtext("feedback/text").count(" — or: ") >= 1
