"""What every check shares: the result object, the register of exercises, answer handling.

A check is a function decorated with `exercise`. Its body inspects the
student's answer and returns a `Verdict`; it may raise `NotAnswered` (the
placeholder is still there) or `BadAnswer` (the answer cannot be used, e.g. a
string where a number is expected). The decorator turns all of these, and any
error raised by the student's own code, into a `CheckResult`, prints it, and
records it so that `results()` (and the instructor's grader) can read it.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable
from dataclasses import asdict, dataclass

from chainrule.autograd import Value

__all__ = [
    "BadAnswer",
    "CheckResult",
    "Exercise",
    "NotAnswered",
    "Verdict",
    "as_number",
    "call_student",
    "exercise",
    "exercises_for",
    "registered",
    "reset",
    "results",
    "summary",
]

RESULT_MARK = "@@chainrule-exercise-results@@"  # the grader looks for this prefix


class NotAnswered(Exception):
    """The student's answer is still the placeholder (``...``, None, NotImplementedError)."""


class BadAnswer(Exception):
    """The answer cannot be checked as given (wrong type, student code raised, ...)."""


@dataclass(frozen=True)
class Verdict:
    """What a check body decides: right or wrong, and why (one line, then optional detail)."""

    passed: bool
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class Exercise:
    """One exercise: its id (``"06.2"``), notebook stem, title and check function name."""

    id: str
    notebook: str
    title: str
    check: str


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check, as printed to the student and read by the grader."""

    exercise: str
    title: str
    passed: bool
    answered: bool
    reason: str
    detail: str = ""

    def __bool__(self) -> bool:
        return self.passed

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        mark = "✓" if self.passed else "✗"
        word = "right" if self.passed else ("not answered yet" if not self.answered else "wrong")
        head = f"{mark} Exercise {self.exercise} ({self.title}): {word}. {self.reason}"
        return head + (f"\n{self.detail}" if self.detail else "")

    def __repr__(self) -> str:
        state = "passed" if self.passed else "failed"
        return f"CheckResult({self.exercise!r}, {state}, {self.reason!r})"

    def _ipython_display_(self) -> None:
        """Nothing: the check already printed the message when it ran."""


_REGISTER: dict[str, Exercise] = {}
_RESULTS: dict[str, CheckResult] = {}


def exercise(id: str, notebook: str, title: str) -> Callable:
    """Register a check for exercise `id` of `notebook` (e.g. ``"06_backpropagation"``)."""

    def wrap(body: Callable[..., Verdict]) -> Callable[..., CheckResult]:
        if id in _REGISTER:
            raise ValueError(f"exercise {id} is registered twice")
        _REGISTER[id] = Exercise(id, notebook, title, body.__name__)

        @functools.wraps(body)
        def check(*args: object, **kwargs: object) -> CheckResult:
            try:
                verdict = body(*args, **kwargs)
                result = CheckResult(
                    id, title, verdict.passed, True, verdict.reason, verdict.detail
                )
            except NotAnswered as e:
                result = CheckResult(id, title, False, False, str(e))
            except BadAnswer as e:
                result = CheckResult(id, title, False, True, str(e))
            _RESULTS[id] = result
            print(result)
            return result

        return check

    return wrap


def registered() -> list[Exercise]:
    """Every exercise the checks know, in id order."""
    return [_REGISTER[k] for k in sorted(_REGISTER)]


def exercises_for(notebook: str) -> list[Exercise]:
    """The exercises of one notebook (its file stem, e.g. ``"01_perceptron"``), in id order."""
    return [e for e in registered() if e.notebook == notebook]


def results() -> list[CheckResult]:
    """The latest result of every check run in this session, in exercise order."""
    return [_RESULTS[k] for k in sorted(_RESULTS)]


def reset() -> None:
    """Forget the results recorded so far."""
    _RESULTS.clear()


def summary() -> str:
    """One line per check run so far, then how many passed."""
    rows = results()
    lines = [f"{'✓' if r.passed else '✗'} {r.exercise} {r.title}" for r in rows]
    lines.append(f"{sum(r.passed for r in rows)} of {len(rows)} checked exercises right")
    return "\n".join(lines)


# ---------------- answers ----------------
def is_placeholder(x: object) -> bool:
    return x is Ellipsis or x is None


def as_number(x: object, name: str) -> float:
    """The student's answer `name` as a float: a Value's data or a real number.

    Raises NotAnswered for the placeholder and BadAnswer for anything else.
    """
    if is_placeholder(x):
        raise NotAnswered(f"`{name}` is still `{_shown(x)}`: replace it with your code.")
    if isinstance(x, Value):
        x = x.data
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise BadAnswer(
            f"`{name}` should be a number (or a Value), got {type(x).__name__} {x!r:.60}."
        )
    x = float(x)
    if not math.isfinite(x):
        raise BadAnswer(f"`{name}` is {x!r}, not a finite number.")
    return x


def call_student(fn: object, name: str, *args: object) -> object:
    """Call the student's function `name`; turn its failures into NotAnswered / BadAnswer."""
    if is_placeholder(fn):
        raise NotAnswered(f"`{name}` is still `{_shown(fn)}`: define the function.")
    if not callable(fn):
        raise BadAnswer(f"`{name}` should be a function, got {type(fn).__name__}.")
    try:
        out = fn(*args)
    except NotImplementedError:
        raise NotAnswered(
            f"`{name}` still raises NotImplementedError: replace that line with your code."
        ) from None
    except Exception as e:  # the student's code failed: say where, with which inputs
        shown = ", ".join(_short(a) for a in args)
        raise BadAnswer(f"{name}({shown}) raised {type(e).__name__}: {e}") from None
    if out is Ellipsis:
        raise NotAnswered(f"`{name}` still returns `...`: replace it with your code.")
    return out


def _shown(x: object) -> str:
    return "..." if x is Ellipsis else repr(x)


def _short(x: object) -> str:
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


def close(a: float, b: float, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)
