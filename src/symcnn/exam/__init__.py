"""The exam as immutable values: dataset, network, training, softmax, memory, questions."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Mapping

from ..model.network import Network


@dataclass(frozen=True)
class Dataset:
    """Images cut into crops, then augmented: every transform adds one copy of each crop."""

    images: int
    crops_per_image: int
    crop_height: int
    crop_width: int
    channels: int
    bytes_per_value: int
    transforms: tuple[str, ...]
    keep_originals: bool = True


@dataclass(frozen=True)
class Training:
    """Mini-batch SGD: backward cost = backward_factor × forward cost."""

    batch_size: int
    epochs: int
    backward_factor: int = 1
    learning_rate: Fraction = Fraction(1, 100)
    iterations_per_epoch: int | None = None  # None: ceil(samples / batch_size)


@dataclass(frozen=True)
class Softmax:
    """The output logits of one training image and its true class."""

    classes: tuple[str, ...]
    logits: tuple[Fraction, ...]
    target: str
    labels: tuple[str, ...] = ()  # full names, one per class, where the spec gives them

    def name(self, cls: str) -> str:
        """How a class is named in words: ``Hồ Gươm (HG)`` when the spec gives a label, else ``HG``."""
        label = self.labels[self.classes.index(cls)] if self.labels else cls
        return cls if label == cls else f"{label} ({cls})"


@dataclass(frozen=True)
class Question:
    """One exam question: its id (``3a``), what it asks (``training.forward``) and options."""

    id: str
    kind: str
    options: Mapping[str, Any] = field(default_factory=dict)
    points: Fraction | None = None  # marks on the question paper (``points = 0.5``)
    text: str | None = None  # the question as the paper words it; None: the catalogue's wording of the kind


@dataclass(frozen=True)
class Vary:
    """One entry of a spec's ``[variants]`` table: the field at ``path`` takes one of ``choices``.

    ``steps`` is the resolved path into the spec's TOML data (keys and list indices);
    ``choices`` are TOML values (a range ``{ from, to, step }`` is expanded).
    """

    path: str
    steps: tuple[str | int, ...]
    choices: tuple[Any, ...]


@dataclass(frozen=True)
class Exam:
    title: str
    language: str
    convention: str
    dataset: Dataset
    network: Network
    training: Training
    softmax: Softmax
    inference_bytes: int
    questions: tuple[Question, ...]
    source: str = "<embedded>"
    code: str | None = None  # a variant's code, printed on its paper and sheet
    variants: tuple[Vary, ...] = ()  # what ``symcnn variants`` may change; () = the default policy
    data: Any = field(default=None, compare=False, repr=False)  # the spec's TOML data (solve.for re-reads it)
    carried_credit: Fraction = Fraction(1, 2)  # [grading]: share of the points for an error carried forward
