"""The units an answer in bytes or a count may be asked in (``unit = "MiB"``)."""

from __future__ import annotations

UNITS: dict[str, tuple[int, int, bool]] = {
    "KB": (10, 3, True), "MB": (10, 6, True), "GB": (10, 9, True),
    "KiB": (2, 10, True), "MiB": (2, 20, True), "GiB": (2, 30, True),
    "K": (10, 3, False), "M": (10, 6, False), "G": (10, 9, False),
}
"""Units an answer may be asked in: the divisor as base and power, and whether it is for bytes (else a count)."""
