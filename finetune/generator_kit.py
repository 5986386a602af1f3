"""What the program generators share: the expected-output recorder and word pools."""

from __future__ import annotations

import random

PEOPLE = ["Ada", "Sam", "Lena", "Omar", "Kim", "Ravi", "Zoe", "Ben", "Mia", "Tom", "Ines", "Joe"]
FRUITS = ["apple", "banana", "cherry", "mango", "pear", "plum", "grape", "kiwi", "lemon"]
ANIMALS = ["cat", "dog", "horse", "rabbit", "parrot", "turtle", "hamster", "goat"]
COLOURS = ["red", "blue", "green", "yellow", "purple", "orange", "black", "white"]
SUBJECTS = ["math", "science", "history", "art", "music", "english", "biology"]
CITIES = ["Paris", "Lima", "Oslo", "Cairo", "Tokyo", "Quito", "Dublin", "Accra"]
WORDS = [
    "the", "cat", "sat", "on", "mat", "and", "a", "dog", "ran", "to", "park", "big",
    "red", "ball", "is", "fun", "we", "like", "code", "python", "sun", "day",
]  # fmt: skip


class Run:
    """The stdin a program reads and the stdout it prints, recorded as it is written.

    `ask` is one `input(prompt)`: the prompt goes to stdout without a newline and the
    answer to stdin. `say` is one `print(*values)`, formatted as print does.
    """

    def __init__(self) -> None:
        self._out: list[str] = []
        self._in: list[str] = []

    def ask(self, prompt: str, answer: object) -> None:
        self._out.append(prompt)
        self._in.append(str(answer))

    def feed(self, answer: object) -> None:
        """A line read by `input()` with no prompt."""
        self._in.append(str(answer))

    def say(self, *values: object, sep: str = " ", end: str = "\n") -> None:
        self._out.append(sep.join(str(v) for v in values) + end)

    def stdout(self) -> str:
        return "".join(self._out)

    def stdin_text(self) -> str:
        return "".join(line + "\n" for line in self._in)


def names(rng: random.Random, *pools: list[str]) -> list[str]:
    """One distinct name from each pool (pools may overlap)."""
    chosen: list[str] = []
    for pool in pools:
        chosen.append(rng.choice([n for n in pool if n not in chosen]))
    return chosen


def indent(lines: list[str], width: int = 4) -> list[str]:
    return [" " * width + line if line else line for line in lines]


def numbers(rng: random.Random, low: int, high: int, count: int) -> list[int]:
    return [rng.randint(low, high) for _ in range(count)]


def show(rng: random.Random, label: str, expr: str) -> str:
    """A print of `label` and a value, in one of the two ways beginners write it.

    `print("Total:", x)` and `print("Total: " + str(x))` print the same line.
    """
    if rng.random() < 0.5:
        return f'print("{label}", {expr})'
    return f'print("{label} " + str({expr}))'
