"""Student notebooks run both ways, and the grader's table (each notebook runs in a kernel).

With the solutions filled in every check passes; with the placeholders every
check fails with its own "not answered yet" message, and the notebook still
runs top to bottom. The grader is run on a folder with a correct and a wrong
submission.
"""

import csv
import importlib.util
import io
import json
import pathlib
import sys

import pytest

from chainrule.viz.exercises import exercises_for

REPO = pathlib.Path(__file__).resolve().parent.parent
STEMS = [
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
NOT_IMPLEMENTED = "still raises NotImplementedError: replace that line with your code."
UNANSWERED = {
    "00.1": "`dL_db` is still `...`: replace it with your code.",
    "00.2": f"`my_backward` {NOT_IMPLEMENTED}",
    "01.1": "`z` is still `...`: replace it with your code.",
    "01.2": f"`sigmoid_derivative` {NOT_IMPLEMENTED}",
    "02.1": f"`relu_derivative` {NOT_IMPLEMENTED}",
    "02.2": "`W` is still `...`: replace it with your code.",
    "03.1": f"`dense_forward` {NOT_IMPLEMENTED}",
    "03.2": f"`count_parameters` {NOT_IMPLEMENTED}",
    "04.1": f"`bce` {NOT_IMPLEMENTED}",
    "04.2": "`mse_by_hand` is still `...`: replace it with your code.",
    "05.1": f"`descent_step` {NOT_IMPLEMENTED}",
    "05.2": "`lr_global` is still `...`: replace it with your code.",
    "06.1": "`dJ_dw2` is still `...`: replace it with your code.",
    "06.2": "`dJ_dw1` is still `...`: replace it with your code.",
    "06.3": f"`gd_step` {NOT_IMPLEMENTED}",
    "07.1": f"`batch_gradient` {NOT_IMPLEMENTED}",
    "08.1": f"`dropout_forward` {NOT_IMPLEMENTED}",
    "08.2": f"`stop_epoch` {NOT_IMPLEMENTED}",
}


def _load(name):
    spec = importlib.util.spec_from_file_location(f"course_{name}", REPO / "course" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


sn, grade = _load("student_notebooks"), _load("grade")


def _version(stem, answers):
    nb = json.loads((REPO / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))
    return sn.student_notebook(nb, stem, answers=answers)


@pytest.mark.parametrize("stem", STEMS)
def test_with_the_solutions_every_check_passes(stem):
    results, problem = grade.run(_version(stem, answers=True), timeout=300, allow_errors=False)
    assert problem == ""
    assert [r["exercise"] for r in results] == [e.id for e in exercises_for(stem)]
    assert all(r["passed"] for r in results), results


@pytest.mark.parametrize("stem", STEMS)
def test_without_them_every_check_fails_with_its_message(stem):
    results, problem = grade.run(_version(stem, answers=False), timeout=300, allow_errors=False)
    assert problem == ""  # the student version runs top to bottom
    assert [r["exercise"] for r in results] == [e.id for e in exercises_for(stem)]
    for r in results:
        assert not r["passed"] and not r["answered"]
        assert r["reason"] == UNANSWERED[r["exercise"]]


def _replace(nb, old, new):
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if old in text:
            cell["source"] = text.replace(old, new)
            return
    raise AssertionError(f"{old!r} is not in the notebook")


def test_grader_table_and_csv(tmp_path, capsys):
    good = _version("06_backpropagation", answers=True)
    bad = _version("06_backpropagation", answers=False)
    _replace(bad, "dJ_dw2 = ...", "dJ_dw2 = -2 * (y - yhat) * a1  #")
    _replace(bad, "dJ_dw1 = ...", "dJ_dw1 = -2 * (y - yhat) * w2 * a1 * (1 - a1)  #")
    _replace(bad, 'raise NotImplementedError("your code here")', "return w + lr * grad")
    oops = {"cell_type": "code", "id": "oops", "metadata": {}, "outputs": [], "source": "1 / 0"}
    bad["cells"].insert(1, oops)  # an error in a cell does not stop the grading
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "ada.ipynb").write_text(json.dumps(good), encoding="utf-8")
    (folder / "bob.ipynb").write_text(json.dumps(bad), encoding="utf-8")
    (folder / "broken.ipynb").write_text("{not json", encoding="utf-8")
    out_csv = tmp_path / "grades.csv"

    assert grade.main([str(folder), "--csv", str(out_csv), "--timeout", "300"]) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0].split() == ["student", "exercise", "passed", "reason"]
    assert "ada: 3 of 3 exercises passed" in printed
    assert "bob: 1 of 3 exercises passed" in printed

    rows = list(csv.DictReader(io.StringIO(out_csv.read_text(encoding="utf-8"))))
    table = {(r["student"], r["exercise"]): r for r in rows}
    assert [table[("ada", e)]["passed"] for e in ("06.1", "06.2", "06.3")] == ["yes"] * 3
    assert table[("bob", "06.1")]["passed"] == "yes"
    assert table[("bob", "06.2")]["reason"] == (
        "Your dJ/dw1 = 1.237 is dJ/dyhat · dyhat/dz1: it lacks dz1/dw1 = x = 2."
    )
    assert table[("bob", "06.3")]["passed"] == "no"
    assert "that steps uphill" in table[("bob", "06.3")]["reason"]
    assert table[("broken", "-")]["reason"].startswith("not a readable notebook")


def test_grader_reports_checks_that_never_ran(tmp_path):
    nb = _version("01_perceptron", answers=True)
    calls = "check_sigmoid_derivative("
    nb["cells"] = [c for c in nb["cells"] if calls not in "".join(c["source"])]
    path = tmp_path / "carol_01.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    rows = grade.grade_notebook(path, "carol", timeout=300)
    assert [(r.exercise, r.passed) for r in rows] == [("01.1", True), ("01.2", False)]
    assert rows[1].reason.startswith("its check never ran")
