"""Grade a folder of submitted notebooks: run each one and collect its exercise checks.

    python course/grade.py FOLDER [--csv grades.csv] [--timeout 120]

Every ``*.ipynb`` under FOLDER is executed from scratch (nbclient, a local
kernel, no network) in a temporary folder; errors in a cell do not stop the
run, and a cell that runs longer than --timeout seconds is interrupted. After
the last cell the grader asks the kernel for the results its checks recorded
(`chainrule.viz.exercises.results`). The table has one row per student and
exercise: student (the file's path under FOLDER, without .ipynb), exercise,
passed, reason. An exercise whose check never ran counts as not passed.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import pathlib
import sys
import tempfile
from dataclasses import dataclass

from chainrule.viz.exercises import exercises_for
from chainrule.viz.exercises.core import RESULT_MARK

COLLECT = (
    "import json as _json\n"
    "from chainrule.viz.exercises import results as _results\n"
    f"print({RESULT_MARK!r} + _json.dumps([_r.as_dict() for _r in _results()]))"
)
SOURCE_STEMS = sorted(
    p.stem for p in (pathlib.Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb")
)


@dataclass(frozen=True)
class Row:
    student: str
    exercise: str
    passed: bool
    reason: str


def notebook_of(nb: dict, path: pathlib.Path) -> str | None:
    """Which lecture notebook a submission is: its metadata, else its file name."""
    meta = nb.get("metadata", {}).get("chainrule", {})
    if isinstance(meta, dict) and meta.get("notebook"):
        return str(meta["notebook"])
    matches = [s for s in SOURCE_STEMS if s in path.name or path.name.startswith(s[:3])]
    return matches[0] if len(matches) == 1 else None


def run(
    nb: dict, timeout: int, kernel: str | None = None, allow_errors: bool = True
) -> tuple[list[dict], str]:
    """Execute `nb` with the collecting cell appended; (results, problem).

    With ``allow_errors=False`` the first cell that raises stops the run and
    `problem` names it (the tests use this to show a notebook runs top to bottom).
    """
    import nbformat
    from nbclient import NotebookClient

    node = nbformat.reads(json.dumps(nb), as_version=4)
    node.cells.append(nbformat.v4.new_code_cell(COLLECT))
    with tempfile.TemporaryDirectory(prefix="chainrule-grade-") as tmp:
        client = NotebookClient(
            node,
            timeout=timeout,
            kernel_name=kernel or "python3",
            allow_errors=allow_errors,
            interrupt_on_timeout=True,
            resources={"metadata": {"path": tmp}},
        )
        try:
            client.execute()
        except Exception as e:  # the kernel died or could not start: nothing was recorded
            return [], f"the notebook could not be run ({type(e).__name__}: {e})"
    for out in node.cells[-1].get("outputs", []):
        text = out.get("text", "")
        for line in text.splitlines():
            if line.startswith(RESULT_MARK):
                return json.loads(line[len(RESULT_MARK) :]), ""
    return [], "the results could not be collected (chainrule is not importable in the kernel?)"


def grade_notebook(
    path: pathlib.Path, student: str, timeout: int = 120, kernel: str | None = None
) -> list[Row]:
    """One row per exercise of the submission at `path`."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        return [Row(student, "-", False, f"not a readable notebook ({e})")]
    stem = notebook_of(nb, path)
    expected = [e.id for e in exercises_for(stem)] if stem else []
    found, problem = run(nb, timeout, kernel)
    by_id = {r["exercise"]: r for r in found}
    rows = []
    for ex in sorted(set(expected) | set(by_id)):
        if ex in by_id:
            rows.append(Row(student, ex, bool(by_id[ex]["passed"]), by_id[ex]["reason"]))
        else:
            why = problem or "its check never ran (check cell deleted, or the kernel stopped)"
            rows.append(Row(student, ex, False, why))
    if not rows:
        why = problem or "no exercise check ran, and the notebook is not a known lecture notebook"
        rows.append(Row(student, "-", False, why))
    return rows


def grade_folder(folder: pathlib.Path, timeout: int = 120, kernel: str | None = None) -> list[Row]:
    """Rows for every notebook under `folder` (checkpoints skipped), in path order."""
    rows = []
    for path in sorted(folder.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        student = path.relative_to(folder).with_suffix("").as_posix()
        rows += grade_notebook(path, student, timeout, kernel)
    return rows


def table(rows: list[Row]) -> str:
    """The rows as an aligned text table, then each student's total."""
    head = ("student", "exercise", "passed", "reason")
    cells = [head] + [(r.student, r.exercise, "yes" if r.passed else "no", r.reason) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(3)]
    lines = ["  ".join(c[i].ljust(widths[i]) for i in range(3)) + "  " + c[3] for c in cells]
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 6)
    totals: dict[str, list[int]] = {}
    for r in rows:
        t = totals.setdefault(r.student, [0, 0])
        t[0] += r.passed
        t[1] += 1
    lines.append("")
    lines += [f"{s}: {p} of {n} exercises passed" for s, (p, n) in totals.items()]
    return "\n".join(lines)


def to_csv(rows: list[Row]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["student", "exercise", "passed", "reason"])
    for r in rows:
        writer.writerow([r.student, r.exercise, "yes" if r.passed else "no", r.reason])
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=pathlib.Path, help="a folder of submitted .ipynb files")
    parser.add_argument("--csv", type=pathlib.Path, help="also write the table to this CSV file")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per cell (default 120)")
    parser.add_argument("--kernel", help="kernel name (default python3)")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"error: {args.folder} is not a folder", file=sys.stderr)
        return 2
    rows = grade_folder(args.folder, args.timeout, args.kernel)
    if not rows:
        print(f"error: no .ipynb files under {args.folder}", file=sys.stderr)
        return 2
    print(table(rows))
    if args.csv:
        args.csv.write_text(to_csv(rows), encoding="utf-8")
        print(f"wrote {args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
