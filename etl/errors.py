"""Problems with input files, reported together so a user can fix a file in one pass."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is, what it holds, which rule it breaks."""

    file: str
    location: str  # "sheet '2023', row 14" or "line 12"
    column: str
    value: str
    rule: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.location}, column {self.column!r}: "
            f"value {self.value!r}: {self.rule}"
        )


class InputError(Exception):
    """Raised with every problem found in an input, not only the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the input:\n{lines}")


def shorten(value: object, limit: int = 80) -> str:
    """The value as it stood in the file, cut so a hostile cell cannot flood the report."""
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"
