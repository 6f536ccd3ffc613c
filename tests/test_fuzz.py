"""Fuzz every loader with hypothesis: the only outcomes allowed are a valid value or a
SymcnnError whose message is one line naming the file. Anything else (a TypeError,
RecursionError, a hang, a two-line message) fails the test.

Example counts add up to several thousand cases; the whole file runs in well under a minute.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_toml import TEXT, TOMLISH, document, mutate, retune
from symcnn.errors import SymcnnError
from symcnn.exam.spec import embedded_text, parse_exam

SOURCE = "fuzz.toml"
SEED = tomllib.loads(embedded_text(), parse_float=Decimal)


def fuzz(examples: int) -> settings:
    """Deterministic runs (same cases in CI), no per-example deadline."""
    return settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def loads_or_one_line_error(parse, text: str):
    """``parse(text, SOURCE)``: a value, or None after a SymcnnError of one line naming the file."""
    try:
        return parse(text, SOURCE)
    except SymcnnError as e:
        message = str(e)
        assert "\n" not in message and "\r" not in message, message
        assert message.startswith(f"{SOURCE}: "), message
        assert len(message) < 1200, message
        return None


# --------------------------------------------------------------------------- exam specs


@fuzz(1200)
@given(st.data())
def test_spec_mutations(data):
    loads_or_one_line_error(parse_exam, document(mutate(data, SEED)))


@fuzz(600)
@given(TOMLISH)
def test_spec_tomlish_text(text):
    loads_or_one_line_error(parse_exam, text)


@fuzz(300)
@given(st.text(max_size=300))
def test_spec_random_text(text):
    loads_or_one_line_error(parse_exam, text)


@fuzz(150)
@given(st.data())
def test_mutated_specs_that_load_also_solve(data):
    """A spec the loader accepts must be solvable: answers, or a one-line SymcnnError naming the file."""
    from symcnn.exam.solve import solve

    doc = retune(data, SEED)  # sizes from 0 to 2^64, logits and learning rates in ±50
    exam = loads_or_one_line_error(parse_exam, document(doc))
    if exam is not None:
        loads_or_one_line_error(lambda _text, _source: solve(exam), "")


# --------------------------------------------------------------------------- answer keys

key_module = pytest.importorskip("symcnn.verify.keyfile", reason="answer keys come with symcnn verify (issue 4)")
KEY_SEED = tomllib.loads(key_module.embedded_key_text(), parse_float=Decimal)


@fuzz(600)
@given(st.data())
def test_key_mutations(data):
    loads_or_one_line_error(key_module.parse_key, document(mutate(data, KEY_SEED)))


@fuzz(400)
@given(TOMLISH)
def test_key_tomlish_text(text):
    loads_or_one_line_error(key_module.parse_key, text)


ARITH = st.text(st.sampled_from("0123456789+-−*×·/^()., =x_"), max_size=600)


@fuzz(1500)
@given(st.one_of(ARITH, TEXT))
def test_working_lines(line):
    from symcnn.verify.arith import ArithError, check_line

    try:
        check_line(line)
    except ArithError as e:
        assert "\n" not in str(e)


@pytest.fixture(scope="module")
def seed_solution():
    from symcnn import load_exam, solve

    return solve(load_exam())


@fuzz(12)
@given(data=st.data(), qid=st.sampled_from(["1a", "2a", "3a", "3d", "3e", "4c"]))
def test_mutated_key_entries_review(seed_solution, data, qid):
    """One key entry, mutated, through the whole review (claims checked, diagnoses searched)."""
    from symcnn.verify.review import review

    doc = {"questions": {qid: mutate(data, KEY_SEED["questions"][qid], max_mutations=2)}}
    key = loads_or_one_line_error(key_module.parse_key, document(doc))
    if key is not None:
        loads_or_one_line_error(lambda _text, _source: review(key, seed_solution), "")


CLAIMS = st.one_of(
    st.integers(-(2**1200), 2**1200),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.from_regex(r"-?[0-9]{1,60}([.,][0-9]{1,45}){0,3}", fullmatch=True),
)


@fuzz(60)
@given(qid=st.sampled_from(["1a", "2b", "3a", "3d", "3e"]), claim=CLAIMS)
def test_hostile_claims_review(seed_solution, qid, claim):
    """Claims of any size and precision: reviewed (rounded, compared, slips searched) or refused in one line."""
    from symcnn.verify.review import review

    entry = {"values": [claim], **({"component": "HG"} if qid == "3d" else {})}
    key = loads_or_one_line_error(key_module.parse_key, document({"questions": {qid: entry}}))
    if key is not None:
        loads_or_one_line_error(lambda _text, _source: review(key, seed_solution), "")


# --------------------------------------------------------------------------- zoo model specs

zoo = pytest.importorskip("symcnn.models.zoo", reason="model specs come with the zoo (issue 6)")
MODEL_SEED = tomllib.loads((Path(zoo.__file__).parent / "resnet18.toml").read_text(encoding="utf-8"),
                           parse_float=Decimal)


@fuzz(300)
@given(st.data())
def test_model_spec_mutations(data):
    loads_or_one_line_error(lambda text, source: zoo.parse_model(text, source, "fuzz"),
                            document(mutate(data, MODEL_SEED)))
