"""course/student_notebooks.py: the marker convention, and the student versions it writes."""

import importlib.util
import json
import pathlib
import sys

import pytest

from chainrule.viz.exercises import exercises_for, registered

REPO = pathlib.Path(__file__).resolve().parent.parent


def _load(name):
    spec = importlib.util.spec_from_file_location(f"course_{name}", REPO / "course" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


sn = _load("student_notebooks")


def test_assignments_become_named_placeholders():
    src = "a = 1\n### BEGIN SOLUTION\nz = a + 2\nyhat, p = z * 2, 0\nz += 1\n"
    src += "### END SOLUTION\nprint(z)"
    assert sn.strip_code(src) == (
        "a = 1\nz = ...  # your code here\nyhat = ...  # your code here\n"
        "p = ...  # your code here\nprint(z)"
    )
    assert (
        sn.strip_code(src, answers=True) == "a = 1\nz = a + 2\nyhat, p = z * 2, 0\nz += 1\nprint(z)"
    )


def test_a_function_body_raises_not_implemented():
    src = "def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION"
    assert sn.strip_code(src) == (
        "def f(x):\n    y = 1\n"
        '    raise NotImplementedError("your code here")  # replace this line with your code'
    )
    namespace = {}
    exec(sn.strip_code(src), namespace)
    with pytest.raises(NotImplementedError):
        namespace["f"](1)


def test_student_lines_give_the_placeholder_and_vanish_from_the_answers():
    src = "### BEGIN SOLUTION\n### STUDENT lr = ...  # pick one\nlr = 0.1\n### END SOLUTION"
    assert sn.strip_code(src) == "lr = ...  # pick one"
    assert sn.strip_code(src, answers=True) == "lr = 0.1"
    assert (
        sn.strip_code("### BEGIN SOLUTION\nprint(1)\n### END SOLUTION") == "...  # your code here"
    )


def test_markdown_solutions_are_removed():
    src = "Before.\n<!-- BEGIN SOLUTION -->\nThe answer is 42.\n<!-- END SOLUTION -->\nAfter."
    assert sn.strip_markdown(src) == "Before.\nAfter."
    assert sn.strip_markdown(src, answers=True) == "Before.\nThe answer is 42.\nAfter."


@pytest.mark.parametrize(
    "src, says",
    [
        ("### BEGIN SOLUTION\nx = 1", "line 1: ### BEGIN SOLUTION has no ### END SOLUTION"),
        ("x = 1\n### END SOLUTION", "line 2: ### END SOLUTION without ### BEGIN SOLUTION"),
        (
            "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION",
            "line 2: ### BEGIN SOLUTION inside another solution block",
        ),
        ("x = 1  ### BEGIN SOLUTION", "line 1: a marker must be alone on its line"),
        ("### BEGIN SOLUTION\nx = = 1\n### END SOLUTION", "the solution does not parse"),
    ],
)
def test_bad_markers_are_named(src, says):
    with pytest.raises(sn.MarkerError, match="nb.ipynb, cell 3") as err:
        sn.strip_code(src, "nb.ipynb, cell 3")
    assert says in str(err.value)


def test_a_notebook_that_never_calls_its_check_is_refused():
    nb = {"cells": [{"cell_type": "code", "source": "x = 1", "outputs": []}], "metadata": {}}
    with pytest.raises(
        sn.MarkerError,
        match="06_backpropagation.ipynb never calls check_dJ_dw2, check_dJ_dw1, check_gd_step",
    ):
        sn.student_notebook(nb, "06_backpropagation")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    assert sn.main(["--out", str(root / "student")]) == 0
    assert sn.main(["--answers", "--out", str(root / "answers")]) == 0
    return root


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _solution_lines(source_cells):
    """The code lines inside solution blocks of a source notebook."""
    lines, inside = [], False
    for cell in source_cells:
        for line in "".join(cell["source"]).split("\n"):
            if line.strip() in (sn.BEGIN, sn.END):
                inside = line.strip() == sn.BEGIN
            elif inside and line.strip() and not line.strip().startswith("#"):
                lines.append(line.strip())
    return lines


def test_every_notebook_gets_a_student_version_without_solutions(built):
    sources = sorted((REPO / "notebooks").glob("*.ipynb"))
    assert [p.name for p in sorted((built / "student").glob("*.ipynb"))] == [
        p.name for p in sources
    ]
    for source in sources:
        student = built / "student" / source.name
        text = "".join("".join(c["source"]) for c in _cells(student))
        assert "SOLUTION" not in text and sn.STUDENT not in text
        solutions = _solution_lines(_cells(source))
        assert not [line for line in solutions if line in text.split("\n")], source.name
        meta = json.loads(student.read_text(encoding="utf-8"))["metadata"]["chainrule"]
        assert meta["exercises"] == [e.id for e in exercises_for(source.stem)]
        for e in exercises_for(source.stem):
            assert f"{e.check}(" in text  # the check cells stay


def test_exercises_exist_for_every_lecture_notebook(built):
    with_exercises = sorted({e.notebook for e in registered()})
    assert with_exercises == [
        "00_tour_of_value",
        "01_perceptron",
        "02_activation_functions",
        "03_from_perceptrons_to_networks",
        "04_will_i_pass",
        "05_gradient_descent",
        "06_backpropagation",
        "07_mini_batches",
        "08_overfitting",
    ]
    for stem in with_exercises:
        assert (REPO / "notebooks" / f"{stem}.ipynb").exists()
        assert _solution_lines(_cells(REPO / "notebooks" / f"{stem}.ipynb"))
