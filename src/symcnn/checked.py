"""Checked input: TOML read with exact decimals, and typed getters whose errors name the file,
the field and the value (``exam.toml: network.layers[2].stride must be an integer >= 1, got 0``).

The ground every reader stands on (exam specs, model specs, answer keys). Nothing read here is
ever evaluated as code; strings, lists, numbers and sizes are bounded (``MAX_*``).
"""

from __future__ import annotations

import builtins
import decimal
import re
import tomllib
from decimal import Decimal
from fractions import Fraction
from typing import Any, Callable

from .errors import SpecError, SymcnnError

MAX_SIZE = 2**64  # larger sizes are surely a typo
MAX_TEXT = 200  # characters in a name, title or label
MAX_ITEMS = 10_000  # items in a list (transforms, classes, layer numbers ...)
MAX_LAYERS = 2_500  # layers in a network, block copies included: every command answers in 30 s of CPU (README "Limits")
MAX_DIGITS = 30  # significant digits of a decimal number
MAX_EXPONENT = 30  # decimal numbers lie within 10^±MAX_EXPONENT (or are 0)


def read_toml(text: str, source: str, error: type[SymcnnError] = SpecError) -> dict[str, Any]:
    """Parse TOML, with decimals as exact :class:`Decimal`; a syntax error names the file.

    >>> read_toml("a = " + "[" * 3000, "deep.toml")
    Traceback (most recent call last):
    symcnn.errors.SpecError: deep.toml: not valid TOML (nested too deeply)
    """
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as e:
        raise error(f"{source}: not valid TOML ({e})") from None
    except RecursionError:
        raise error(f"{source}: not valid TOML (nested too deeply)") from None
    except (ValueError, ArithmeticError) as e:  # an integer of over 4300 digits, a decimal tomllib cannot read
        raise error(f"{source}: not valid TOML ({_first_line(e)})") from None


_WHOLE = re.compile(r"[0-9]+", re.ASCII)


def option_size(text: str, option: str, usage: str, whole: str | None = None) -> int:
    """A whole number from the command line (``--size``): ASCII digits only, 1 … MAX_SIZE.

    ``12²``, ``١٢`` (other scripts' digits), ``1_000``, a sign, an empty text and a
    5,000-digit number are all refused with one line naming the option.

    >>> option_size("224", "--size", "HxW")
    224
    >>> option_size("12²", "--size", "HxW")
    Traceback (most recent call last):
    symcnn.errors.SpecError: --size: must be HxW with whole numbers 1 to 2^64, got '12²'
    """
    t, whole = text.strip(), text if whole is None else whole  # whole: the option's value, for the message
    shown = repr(whole) if len(whole) <= 40 else f"{whole[:20]!r}… ({len(whole)} characters)"
    if not _WHOLE.fullmatch(t) or len(t) > len(str(MAX_SIZE)) or not 1 <= int(t) <= MAX_SIZE:
        raise SpecError(f"{option}: must be {usage} with whole numbers 1 to 2^64, got {shown}")
    return int(t)


def _first_line(e: BaseException) -> str:
    return (str(e).splitlines() or [type(e).__name__])[0][:200]


class Table:
    """A TOML table being read: typed getters whose errors name file, field and value."""

    def __init__(self, data: Any, where: str, source: str):
        self.source, self.where = source, where
        if not isinstance(data, dict):
            self.fail(where, "must be a table", data)
        self.data: dict[str, Any] = data
        self.used: set[str] = set()
        self.known: set[str] = set()  # valid fields here that were not read (optional, left out)

    def allow(self, *keys: str) -> None:
        """Fields valid here although not read (an optional field left out), listed as known."""
        self.known.update(keys)

    def path(self, key: str) -> str:
        key = key if _BARE.fullmatch(key) else _show(key)
        return f"{self.where}.{key}" if self.where else key

    def fail(self, field: str, why: str, value: Any = ..., error: type[SymcnnError] = SpecError) -> None:
        got = "" if value is ... else f", got {_show(value)}"
        raise error(f"{self.source}: {field} {why}{got}")

    def raw(self, key: str, default: Any = ...) -> Any:
        self.used.add(key)
        if key not in self.data:
            if default is ...:
                self.fail(self.path(key), "is missing" + self._misspelt(key))
            return default
        return self.data[key]

    def _misspelt(self, key: str) -> str:
        """A hint when an unread key looks like ``key`` misspelt (``kernal`` for ``kernel``)."""
        import difflib

        unread = [k for k in self.data if k not in self.used]
        alias = [k for k in unread if ALIASES.get(k.lower()) == key]
        if alias:
            return f" ({self.path(alias[0])} is given: symcnn calls it {key})"
        close = difflib.get_close_matches(key, unread, n=1, cutoff=0.75)
        return f" (is {self.path(close[0])} a misspelling of it?)" if close else ""

    def table(self, key: str, default: Any = ...) -> "Table":
        value = self.raw(key, {} if default is ... else default)
        if key not in self.data and default is ...:
            self.fail(self.path(key), "is missing")
        return Table(value, self.path(key), self.source)

    def int(self, key: str, default: Any = ..., minimum: int = 1, maximum: int = MAX_SIZE) -> int:
        value = self.raw(key, default)
        if key not in self.data:
            return value
        return check_int(value, self.path(key), self.source, minimum, maximum)

    def str(self, key: str, default: Any = ..., choices: tuple[str, ...] | None = None) -> str:
        value = self.raw(key, default)
        if key not in self.data:
            return value
        return check_str(value, self.path(key), self.source, choices)

    def bool(self, key: builtins.str, default: Any = ...) -> builtins.bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            self.fail(self.path(key), "must be true or false", value)
        return value

    def number(self, key: builtins.str, default: Any = ...) -> Fraction:
        value = self.raw(key, default)
        return check_number(value, self.path(key), self.source)

    def list(self, key: builtins.str, item: Callable[[Any, builtins.str], Any], default: Any = ..., min_len: builtins.int = 0,
             max_len: builtins.int = MAX_ITEMS) -> tuple[Any, ...]:
        value = self.raw(key, default)
        if not isinstance(value, list):
            self.fail(self.path(key), "must be a list", value)
        if len(value) < min_len:
            self.fail(self.path(key), f"must have at least {min_len} item(s)", value)
        if len(value) > max_len:
            self.fail(self.path(key), f"must have at most {max_len} items", f"{len(value)} items")
        return tuple(item(v, f"{self.path(key)}[{i}]") for i, v in enumerate(value))

    def done(self) -> None:
        """Reject keys nobody read: a typo must not be silently ignored.

        The message lists every field valid here and, for a name that is close to one or
        is another tool's word for one (``kernel_size``, ``lr``), says which it means.
        """
        import difflib

        extra = sorted(set(self.data) - self.used)
        if extra:
            valid = self.used | self.known
            known = ", ".join(sorted(valid)) or "none"
            hint = ALIASES.get(extra[0].lower())
            if hint not in valid:
                close = difflib.get_close_matches(extra[0], sorted(valid), n=1, cutoff=0.75)
                hint = close[0] if close else None
            said = f"; did you mean {hint}?" if hint else ""
            self.fail(self.path(extra[0]), f"is not a known field{said} (known here: {known})")


# other tools' names for symcnn's fields (PyTorch, Keras, habit): the unknown-field message names the right one
ALIASES = {
    "kernel_size": "kernel", "ksize": "kernel", "pool_size": "kernel", "window": "kernel",
    "out_channels": "filters", "num_filters": "filters", "channels_out": "filters",
    "strides": "stride", "pad": "padding", "use_bias": "bias", "out_features": "units", "neurons": "units",
    "batch": "batch_size", "batchsize": "batch_size", "mini_batch": "batch_size",
    "lr": "learning_rate", "eta": "learning_rate", "learningrate": "learning_rate",
    "epoch": "epochs", "num_epochs": "epochs", "n_epochs": "epochs",
    "class": "classes", "labels_": "labels", "logit": "logits",
}

_BARE = re.compile(r"[A-Za-z0-9_-]{1,60}")  # a key shown as is; any other is quoted


def _show(value: Any) -> str:
    """A value as an error message quotes it: one line, at most 60 characters.

    >>> _show("a\\nb"), _show(2**900), _show(Decimal("1e-999999"))
    ("'a\\\\nb'", 'an integer of 271 digits', '1E-999999')
    """
    if isinstance(value, str):
        text = repr(value[:60])
    elif isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        text = f"an integer of {len(str(abs(value))) if value.bit_length() < 10_000 else 'thousands of'} digits"
    elif isinstance(value, Decimal):
        text = format(value, "f") if value.is_finite() and abs(value.adjusted()) < 30 else str(value)
    elif isinstance(value, (list, dict)):
        text = _show_container(value)
    else:
        text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _show_container(value: list[Any] | dict[str, Any]) -> str:
    """A list or table shown through its first items only (it may be huge or deeply nested)."""
    if isinstance(value, dict):
        items = [f"{_show(k)}: {_show_container(v) if isinstance(v, (list, dict)) else _show(v)}"
                 for k, v in list(value.items())[:4]]
        return "{" + ", ".join(items) + (", ..." if len(value) > 4 else "") + "}"
    items = ["[...]" if isinstance(v, (list, dict)) else _show(v) for v in value[:6]]
    return "[" + ", ".join(items) + (", ..." if len(value) > 6 else "") + "]"


def check_int(value: Any, field: str, source: str, minimum: int = 1, maximum: int = MAX_SIZE) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(f"{source}: {field} must be an integer, got {_show(value)}")
    if value < minimum:
        raise SpecError(f"{source}: {field} must be an integer >= {minimum}, got {_show(value)}")
    if value > maximum:
        raise SpecError(f"{source}: {field} must be at most {maximum}, got {_show(value)}")
    return value


def check_str(value: Any, field: str, source: str, choices: tuple[str, ...] | None = None,
              error: type[SymcnnError] = SpecError) -> str:
    if not isinstance(value, str):
        raise error(f"{source}: {field} must be a string, got {_show(value)}")
    if choices is not None and value not in choices:
        raise error(f"{source}: {field} must be one of {', '.join(choices)}, got {_show(value)}")
    if not value.strip() or len(value) > MAX_TEXT or not value.isprintable():
        raise error(
            f"{source}: {field} must be printable text of 1 to {MAX_TEXT} characters, got {_show(value)}"
        )
    return value


def check_number(value: Any, field: str, source: str) -> Fraction:
    """An int or decimal as an exact fraction, bounded before any arithmetic touches it."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise SpecError(f"{source}: {field} must be a number, got {_show(value)}")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise SpecError(f"{source}: {field} must be a finite number, got {_show(value)}")
        if value and not -MAX_EXPONENT <= value.adjusted() <= MAX_EXPONENT:
            raise SpecError(f"{source}: {field} must lie within 1e±{MAX_EXPONENT} (or be 0), got {_show(value)}")
        if len(value.as_tuple().digits) > MAX_DIGITS:
            raise SpecError(f"{source}: {field} must have at most {MAX_DIGITS} significant digits,"
                            f" got {_show(value)}")
    with decimal.localcontext(decimal.Context(prec=MAX_DIGITS + MAX_EXPONENT + 2)):
        if abs(Decimal(value)) > 10**6:
            raise SpecError(f"{source}: {field} must be at most 1000000 in size, got {_show(value)}")
    return Fraction(value)
