"""Bounded work (issue 20): every input limit, just under it (works) and just over it (one line, exit 2).

The limits are small where they can be, or injected (``limit=``, ``max_working=``…) where the
real one would make the test slow; the full-size runs at each limit are in
``benchmarks/limits_bench.py``. Expected values are computed here independently: the
softmax with Python's ``decimal`` (its own exp), counts by hand.
"""

from __future__ import annotations

import time
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symcnn.checked import MAX_ITEMS, MAX_LAYERS, Table
from symcnn.cli import main
from symcnn.errors import KeyFileError, SpecError
from symcnn.exam.spec import embedded_text, parse_exam
from symcnn.models.zoo import expanded_size, parse_model
from symcnn.verify import arith
from symcnn.verify.arith import ArithError, check_line
from symcnn.verify.keyfile import MAX_KEY_BYTES, MAX_NUMBERS, MAX_VALUES, MAX_WORKING, count_work, parse_key

SEED = embedded_text()


def units(n: int) -> str:
    """The seed exam with n output units (the softmax has one class per unit)."""
    assert SEED.count('units = 2\nactivation = "softmax"') == 1
    return SEED.replace('units = 2\nactivation = "softmax"', f'units = {n}\nactivation = "softmax"')


def one_line_error(capsys, argv: list[str], *needles: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("symcnn: error:"), err
    for n in needles:
        assert n in err, err
    return err


# --------------------------------------------------------------------------- model-spec blocks


def model(block_layers: int, repeat: int) -> str:
    layers = ", ".join(f'{{ name = "d{i}", type = "dropout" }}' for i in range(block_layers))
    return (f"[blocks.b]\nlayers = [{layers}]\n[network]\ninput = {{ height = 8, width = 8, channels = 3 }}\n"
            f'layers = [ {{ name = "first", type = "dropout" }}, {{ block = "b", name = "x", repeat = {repeat} }} ]\n')


def test_blocks_are_counted_before_expanding():
    blocks = Table({"b": {"layers": [{}] * 7}}, "blocks", "m.toml")
    items = [{"type": "dropout"}, {"block": "b", "name": "x", "repeat": 3}]
    assert expanded_size(items, blocks, "m.toml", "network.layers", limit=22) == 1 + 7 * 3  # under: counted
    with pytest.raises(SpecError, match=r"m.toml: network.layers\[1\] \(block b, 7 layers × repeat 3\) expands the"
                                        r" network to 22 layers; a network has at most 21 layers"):
        expanded_size(items, blocks, "m.toml", "network.layers", limit=21)


def test_a_block_bomb_is_refused_at_once_without_expanding(tmp_path, capsys):
    # 1,000 layers × repeat 3,000 would be 3,000,000 layer tables: refused by counting
    path = tmp_path / "bomb.toml"
    path.write_text(model(1000, MAX_LAYERS), encoding="utf-8")
    start = time.process_time()
    one_line_error(capsys, ["report", str(path)], f"expands the network to {1 + 1000 * MAX_LAYERS} layers")
    assert time.process_time() - start < 5  # generous: counting is one pass over the spec
    # just under: the same block, repeated to exactly the limit (1 + 2·(MAX/2 − 1) + …): parses
    under = parse_model(model(2, (MAX_LAYERS - 1) // 2), "m.toml", "m")
    assert len(under.network.nodes) == 1 + 2 * ((MAX_LAYERS - 1) // 2) <= MAX_LAYERS


def test_blocks_do_not_nest(capsys, tmp_path):
    path = tmp_path / "nest.toml"
    path.write_text('[blocks.a]\nlayers = [ { name = "d", type = "dropout" } ]\n'
                    '[blocks.b]\nlayers = [ { name = "x", block = "a", repeat = 100 } ]\n'
                    '[network]\ninput = { height = 8, width = 8, channels = 3 }\n'
                    'layers = [ { block = "b", name = "n", repeat = 100 } ]\n', encoding="utf-8")
    one_line_error(capsys, ["report", str(path)], "blocks.b.layers[0] uses block 'a': a block's layers cannot use blocks")


def test_exam_layers_just_over_the_limit(tmp_path, capsys):
    head = SEED.split("[[network.layers]]")[0]
    path = tmp_path / "deep.toml"
    path.write_text(head + '[[network.layers]]\ntype = "activation"\n' * (MAX_LAYERS + 1), encoding="utf-8")
    one_line_error(capsys, ["solve", str(path)], f"must have at most {MAX_LAYERS} layers")


# --------------------------------------------------------------------------- working lines


def product(n: int) -> str:
    return "*".join(["9"] * n)


@pytest.mark.parametrize(("line", "ok"), [
    (f"{product(arith.MAX_LITERALS - 1)} = {9 ** (arith.MAX_LITERALS - 1)}", True),  # 47 factors and the result: 48
    (f"{product(arith.MAX_LITERALS)} = 7", False),  # 49 numbers
    ("1" * arith.MAX_NUMBER_DIGITS + " = " + "1" * arith.MAX_NUMBER_DIGITS, True),
    ("1" * (arith.MAX_NUMBER_DIGITS + 1) + " = 1", False),
    ("1 + " * 124 + "1 = 125", True),  # 4·124 + 7 = 503 characters: over MAX_LENGTH (500)
    ("1+" * 24 + "1 = 25", True),
])
def test_working_line_limits(line, ok):
    if len(line) > arith.MAX_LENGTH:
        ok = False
    if ok:
        assert check_line(line).ok
    else:
        with pytest.raises(ArithError):
            check_line(line)


@pytest.mark.parametrize("line", [
    "9" * 10**6 + " = 1",  # a number of a million digits
    "2^2^2^2^2^2 = 1",  # a power tower: 2^65536 is refused at the exponent
    "(" * 10**5 + "1" + ")" * 10**5 + " = 1",
    " * ".join([f"{2**64 - 1}^64"] * 24) + " = 1",  # 24 powers of 4,096 bits: over 2^16384 at the fifth
])
def test_hostile_working_lines_are_refused_in_milliseconds(line):
    start = time.process_time()
    with pytest.raises(ArithError):
        check_line(line)
    assert time.process_time() - start < 0.05


def test_the_largest_value_just_under_the_bound():
    # (2^64 − 1)^64 has 64·64 = 4,096 bits (the largest power allowed); four make 16,384 bits,
    # exactly MAX_RESULT_BITS: allowed; a fifth is over
    power = f"{2**64 - 1}^64"
    assert arith.evaluate(arith.parse(" * ".join([power] * 4))) == Fraction(2**64 - 1) ** 256
    with pytest.raises(ArithError, match="a value larger than 2"):
        arith.evaluate(arith.parse(" * ".join([power] * 5)))


LINE_ALPHABET = st.sampled_from(list("0123456789+-−*×·/^()., =") + ["9" * 40, "^64", "(((", ")))"])


@settings(deadline=50, max_examples=300)
@given(st.lists(LINE_ALPHABET, max_size=400).map("".join))
def test_any_working_line_parses_within_50_ms(text):
    """Whatever a key's working line holds, it is read or refused within the deadline."""
    try:
        check = check_line(text)
    except ArithError:
        return
    assert len(check.parts) >= 2


# --------------------------------------------------------------------------- keys


def test_key_working_lines_and_numbers_are_counted_first():
    lines = {"1a": {"working": ["1 = 1"] * 3}, "1b": {"working": ["2 = 2"] * 2, "values": [[1, 2], [3]]}}
    assert count_work(lines, "k.toml", max_working=5, max_numbers=3) == (5, 3)  # at both limits
    with pytest.raises(KeyFileError, match=r"k.toml: questions.1b.working brings the key to 5 working lines;"
                                           r" a key may have at most 4"):
        count_work(lines, "k.toml", max_working=4)
    with pytest.raises(KeyFileError, match=r"questions.1b.values holds more than 2 numbers"):
        count_work(lines, "k.toml", max_numbers=2)


def test_key_limits_through_the_command(tmp_path, capsys):
    over = tmp_path / "over.toml"
    over.write_text("[questions.1a]\nvalues = [51200]\nworking = [" + ", ".join(['"1 = 1"'] * (MAX_WORKING + 1))
                    + "]\n", encoding="utf-8")
    one_line_error(capsys, ["verify", str(over)], f"{MAX_WORKING + 1} working lines; a key may have at most {MAX_WORKING}")
    many = tmp_path / "many.toml"
    many.write_text("".join(f"[questions.q{i}]\nvalues = [[{', '.join(['1'] * 64)}]]\n" for i in range(MAX_NUMBERS // 64 + 1)),
                    encoding="utf-8")
    one_line_error(capsys, ["verify", str(many)], f"more than {MAX_NUMBERS} numbers")
    big = tmp_path / "big.toml"
    big.write_bytes(b"# pad\n" * (MAX_KEY_BYTES // 6 + 1))
    one_line_error(capsys, ["verify", str(big)], "larger than 1 MiB")
    under = tmp_path / "under.toml"  # just under every bound: loads
    text = "[questions.1a]\nvalues = [51200]\nworking = [" + ", ".join(['"1 = 1"'] * MAX_WORKING) + "]\n"
    under.write_text(text + "#" * (MAX_KEY_BYTES - len(text) - 1) + "\n", encoding="utf-8")
    assert under.stat().st_size == MAX_KEY_BYTES
    from symcnn.verify.keyfile import load_key

    assert len(load_key(under).entries["1a"].working) == MAX_WORKING
    eight = "values = [" + ", ".join(["1"] * MAX_VALUES) + "]\n"  # MAX_VALUES claims per question, MAX_NUMBERS in all
    key = parse_key("".join(f"[questions.q{i}]\n{eight}" for i in range(MAX_NUMBERS // MAX_VALUES)), "k")
    assert sum(len(e.claims) for e in key.entries.values()) == MAX_NUMBERS
    with pytest.raises(KeyFileError, match=f"k: questions.1a.values must list at most {MAX_VALUES} claimed values"):
        parse_key("[questions.1a]\nvalues = [" + ", ".join(["1"] * (MAX_VALUES + 1)) + "]\n", "k")


def test_verify_refuses_an_exam_too_deep_to_diagnose(tmp_path, capsys):
    from symcnn.exam.solve import solve
    from symcnn.verify.diagnose import MAX_LAYERS as VERIFY_LAYERS
    from symcnn.verify.diagnose import check_size

    solution = solve(parse_exam(SEED, "seed.toml"))
    check_size(solution, max_layers=6)  # the seed exam has 6 layers: at the limit
    with pytest.raises(SpecError, match="seed.toml: network.layers has 6 layers; verify, grade and export explain mistakes in"
                                        " networks of at most 5 layers"):
        check_size(solution, max_layers=5)
    head, rest = SEED.split("[[network.layers]]", 1)
    relus = '[[network.layers]]\ntype = "activation"\nfunction = "relu"\n' * (VERIFY_LAYERS - 5)
    path = tmp_path / "deep.toml"
    path.write_text(head + relus + "[[network.layers]]" + rest, encoding="utf-8")  # 6 + 195 = 201 layers
    one_line_error(capsys, ["verify", "--exam", str(path)], f"has {VERIFY_LAYERS + 1} layers",
                   f"at most {VERIFY_LAYERS} layers")


def test_verify_refuses_an_exam_with_too_many_classes_to_diagnose(tmp_path, capsys):
    from symcnn.exam.solve import solve
    from symcnn.verify.diagnose import MAX_CLASSES, check_size

    solution = solve(parse_exam(SEED, "seed.toml"))
    check_size(solution, max_classes=2)  # HG, HT: at the limit
    with pytest.raises(SpecError, match="seed.toml: softmax.classes has 2 classes; verify, grade and export explain mistakes"
                                        " in exams of at most 1 classes"):
        check_size(solution, max_classes=1)
    n = MAX_CLASSES + 1
    spec = units(n)[:units(n).index("[softmax]")] + "[softmax]\nclasses = [" + ", ".join(f'"k{i}"' for i in range(n)) \
        + "]\nlogits = [" + ", ".join(["1"] * n) + ']\ntarget = "k1"\n\n' + SEED[SEED.index("[inference]"):].replace(
            'output = "HT"', 'output = "k2"')
    path, key = tmp_path / "classes.toml", tmp_path / "key.toml"
    path.write_text(spec, encoding="utf-8")
    key.write_text("[questions.1a]\nvalues = [7]\n", encoding="utf-8")
    one_line_error(capsys, ["verify", str(key), "--exam", str(path)], f"has {n} classes", f"at most {MAX_CLASSES} classes")


def test_pairs_over_the_budget_are_not_searched_and_the_review_says_so(monkeypatch):
    from symcnn.exam.solve import solve
    from symcnn.verify import diagnose
    from symcnn.verify.review import review

    key = parse_key("[questions.3a]\nvalues = [7]\n", "k.toml")

    def codes() -> list[str]:  # a new solution each time: its diagnoser (and budget) is new
        r = review(key, solve(parse_exam(SEED, "seed.toml")))
        return [x.key for q in r.questions if q.id == "3a" for c in q.claims for e in c.explanations for x in e]

    d = diagnose.Diagnoser(solve(parse_exam(SEED, "seed.toml")))
    pairs = d.table(d.view("3a", None)).helper()
    n = len(pairs.singles)
    assert pairs.work(list(range(n))) >= n * (n - 1) // 2  # at least one evaluation per pair
    assert codes() == ["NO_EXPLANATION"]  # under the budget: pairs searched, none gives 7
    monkeypatch.setattr(diagnose, "PAIR_BUDGET", 0)
    assert codes() == ["NO_EXPLANATION_SINGLE"]  # over it: singles only, and the sentence says so


# --------------------------------------------------------------------------- softmax


def independent_softmax(logits: list[Decimal], target: int) -> tuple[list[Decimal], list[Decimal]]:
    with localcontext() as ctx:
        ctx.prec = 80
        e = [x.exp() for x in logits]
        total = sum(e)
        p = [x / total for x in e]
        return p, [x - (1 if i == target else 0) for i, x in enumerate(p)]


@pytest.mark.parametrize("n", [2, 9, 40])
def test_softmax_many_classes_matches_an_independent_softmax(n):
    from symcnn.exam.questions import SPELLED_OUT
    from symcnn.exam.solve import solve

    logits = [Decimal(i % 7) / 2 - 1 for i in range(n)]
    classes = ", ".join(f'"k{i}"' for i in range(n))
    spec = units(n)[:units(n).index("[softmax]")] + f"[softmax]\nclasses = [{classes}]\nlogits = [{', '.join(map(str, logits))}]\n" \
        f'target = "k1"\n\n' + SEED[SEED.index("[inference]"):].replace('output = "HT"', f'output = "k{n - 1}"')
    solution = solve(parse_exam(spec, "s.toml"))
    p, d = independent_softmax(logits, 1)
    delta = solution.answer("3d")
    with localcontext() as ctx:
        ctx.prec = 30
        assert [+x for x in delta.unrounded] == [+x for x in d]  # 30 significant digits agree
    labels = [s.label for s in delta.steps]
    assert labels.count("step.softmax_sum") == (0 if n <= SPELLED_OUT else 1)
    assert labels.count("step.softmax") == n == labels.count("step.delta")
    step = solution.answer("3e")
    assert len(step.steps) == (3 if n <= SPELLED_OUT else 4)  # (Z,) p, δ, o': only the asked class
    with localcontext() as ctx:
        ctx.prec = 30
        assert +step.unrounded == +(logits[-1] - Decimal("0.01") * d[-1])


def test_softmax_equal_logits_are_exact():
    from symcnn.exam.questions import softmax_numbers

    p, d, z = softmax_numbers((Fraction(1, 2),) * 5, 2)
    assert p == [Fraction(1, 5)] * 5 and d[2] == Fraction(-4, 5) and d[0] == Fraction(1, 5)


def test_softmax_classes_just_over_the_limit(tmp_path, capsys):
    n = MAX_ITEMS + 1
    spec = units(n)[:units(n).index("[softmax]")] + "[softmax]\nclasses = [" + ", ".join(f'"k{i}"' for i in range(n)) \
        + "]\nlogits = [" + ", ".join(["1"] * n) + ']\ntarget = "k1"\n\n' + SEED[SEED.index("[inference]"):]
    path = tmp_path / "classes.toml"
    path.write_text(spec, encoding="utf-8")
    one_line_error(capsys, ["solve", str(path)], f"softmax.classes must have at most {MAX_ITEMS}")


# --------------------------------------------------------------------------- user text printed literally


MARKUP = "[bold red]x[/bold red] :thumbs_up: [link=file:///etc]y[/link]"


def test_user_text_is_printed_literally_everywhere(tmp_path, capsys, monkeypatch):
    spec = SEED.replace('name = "conv1"', f'name = "{MARKUP}"', 1)
    spec = spec.replace(spec.split("title = ", 1)[1].split("\n", 1)[0], f'"{MARKUP}"', 1)
    path = tmp_path / "markup.toml"
    path.write_text(spec, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for argv in (["solve", str(path), "--lang", "en"], ["formulas", str(path)], ["report", str(path)]):
        assert main(argv) in (0, 1), argv
        out = capsys.readouterr().out
        assert MARKUP in " ".join(out.split()), argv  # wrapped lines joined: every character literal
    key = tmp_path / "k.toml"
    key.write_text(f'[key]\ntitle = "{MARKUP}"\n[questions.1a]\nvalues = [1]\n', encoding="utf-8")
    assert main(["verify", str(key)]) == 1
    assert MARKUP in capsys.readouterr().out
    assert main(["sweep", str(path), "--size", "64:66", "--csv", "[bold]x.csv"]) == 0
    err = capsys.readouterr().err
    assert "[bold]x.csv" in err and (tmp_path / "[bold]x.csv").exists()


CELL_ALPHABET = st.sampled_from(list("0123456789+-−.,;:eE^×x* ()[]") + ["10^", "e400", "9" * 80, "bytes", "MACs", " × "])
STRUCTURES = [None, (None, None), ((None, None, None),), ((None, None, None),) * 12]


@settings(deadline=20, max_examples=300)
@given(st.lists(CELL_ALPHABET, max_size=200).map("".join), st.sampled_from(STRUCTURES), st.sampled_from(["vi", "en"]))
def test_any_answer_cell_is_read_within_the_deadline(text, structure, lang):
    """A student's cell (classroom/cells.py, at most MAX_CELL characters) is read or found unreadable, quickly."""
    from symcnn.classroom.cells import MAX_CELL, read_cell

    cell = read_cell(text, structure, lang)
    assert cell.status in ("blank", "unreadable") or cell.readings
    if len(text.strip()) > MAX_CELL:
        assert cell.status == "unreadable"


def test_a_giant_cell_is_refused_at_once():
    from symcnn.classroom.cells import MAX_CELL, read_cell

    assert read_cell("9" * MAX_CELL, None, "en").status == "unreadable"  # 400 digits: over the digits bound
    start = time.process_time()
    assert read_cell("9" * 10**6, None, "en").status == "unreadable"
    assert read_cell("1" + "^9" * 10**5, None, "en").status == "unreadable"
    assert time.process_time() - start < 0.05
