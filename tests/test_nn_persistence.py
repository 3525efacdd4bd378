"""Weights files: refused non-finite saves, kept permissions, interrupted saves, hostile files."""

import json
import math
import os
import stat
import subprocess
import sys

import pytest

from chainrule.nn import MLP, Dense, Sequential

FIRST = "layers.0.neurons.0.weights.0"
TEMP_MARKER = ".chainrule-tmp-"  # temporaries are named .<file>.chainrule-tmp-<random>


def saved(tmp_path, seed=1):
    path = tmp_path / "w.json"
    MLP(2, [4, 1], seed=seed).save(path)
    return path


# ---------------- saving ----------------
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_save_refuses_non_finite_weights_and_keeps_the_old_file(tmp_path, bad):
    path = saved(tmp_path)
    old = path.read_bytes()
    model = MLP(2, [4, 1], seed=2)
    model.layers[1].neurons[0].bias.data = bad
    with pytest.raises(ValueError, match=r"cannot save: parameter 'layers.1.neurons.0.bias' is"):
        model.save(path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["w.json"]
    with pytest.raises(ValueError, match="not a finite number"):
        model.save(tmp_path / "new.json")  # nothing is created either
    assert os.listdir(tmp_path) == ["w.json"]


def test_saved_file_is_standard_json(tmp_path):
    path = saved(tmp_path)
    document = json.loads(path.read_text(), parse_constant=lambda token: 1 / 0)
    assert document["format"] == "chainrule-state" and len(document["parameters"]) == 17


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_save_keeps_the_mode_of_an_existing_file(tmp_path):
    path = saved(tmp_path)
    os.chmod(path, 0o640)
    MLP(2, [4, 1], seed=3).save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    os.chmod(path, 0o604)
    MLP(2, [4, 1], seed=4).save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o604


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_a_new_file_gets_the_umask_default(tmp_path):
    old_umask = os.umask(0o027)
    try:
        MLP(2, [1], seed=0).save(tmp_path / "a.json")
        os.umask(0o002)
        MLP(2, [1], seed=0).save(tmp_path / "b.json")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(os.stat(tmp_path / "a.json").st_mode) == 0o640
    assert stat.S_IMODE(os.stat(tmp_path / "b.json").st_mode) == 0o664


def test_failed_rename_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = saved(tmp_path)
    old = path.read_bytes()
    seen = []

    def failing_replace(src, dst):
        seen.append(os.path.basename(src))
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        MLP(2, [4, 1], seed=2).save(path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["w.json"]  # the temporary was removed
    (name,) = seen  # and it was recognisably named after its destination
    assert name.startswith(".w.json" + TEMP_MARKER)


KILLED_MID_SAVE = """
import os, signal, sys
from chainrule.nn import MLP

def killed(src, dst):  # the process dies after writing the temporary, before the rename
    os.kill(os.getpid(), signal.SIGKILL)

os.replace = killed
MLP(2, [4, 1], seed=2).save(sys.argv[1])
"""


@pytest.mark.skipif(not hasattr(os, "kill") or os.name != "posix", reason="needs SIGKILL")
def test_process_killed_mid_save(tmp_path):
    path = saved(tmp_path)
    old = path.read_bytes()
    run = subprocess.run([sys.executable, "-c", KILLED_MID_SAVE, str(path)], timeout=120)
    assert run.returncode == -9
    assert path.read_bytes() == old
    model = MLP(2, [4, 1], seed=5)
    assert model.load(path).state_dict() == MLP(2, [4, 1], seed=1).state_dict()
    leftovers = sorted(set(os.listdir(tmp_path)) - {"w.json"})
    assert len(leftovers) == 1
    (stray,) = leftovers
    # hidden, named after the file it was for, and not matching *.json
    assert stray.startswith(".w.json" + TEMP_MARKER) and not stray.endswith(".json")
    assert sorted(p.name for p in tmp_path.glob("*.json")) == ["w.json"]
    before = model.state_dict()
    with pytest.raises(ValueError, match="temporary file left by an interrupted save"):
        model.load(tmp_path / stray)
    assert model.state_dict() == before


# ---------------- loading hostile files ----------------
def replace_first(text, new_value):
    start = text.index(f'"{FIRST}": ') + len(f'"{FIRST}": ')
    end = text.index(",", start)
    return text[:start] + new_value + text[end:]


DAMAGE = {
    "400-digit integer": (lambda t: replace_first(t, "9" * 400), "not a finite number"),
    "1e400": (lambda t: replace_first(t, "1e400"), "not a finite number"),
    "NaN token": (lambda t: replace_first(t, "NaN"), "NaN is not standard JSON"),
    "Infinity token": (lambda t: replace_first(t, "-Infinity"), "-Infinity is not standard"),
    "string": (lambda t: replace_first(t, '"0.5"'), "'0.5', not a number"),
    "bool": (lambda t: replace_first(t, "true"), "True, not a number"),
    "null": (lambda t: replace_first(t, "null"), "None, not a number"),
    "nested": (lambda t: replace_first(t, "[[0.5]]"), r"\[\[0.5\]\], not a number"),
    "parameters a list": (
        lambda t: json.dumps({**json.loads(t), "parameters": [1.0, 2.0]}),
        "'parameters' should map names to numbers, got list",
    ),
    "duplicate key": (
        lambda t: t.replace('"version": 1', '"version": 1, "version": 1'),
        "'version' appears twice",
    ),
    "deeply nested": (lambda t: "[" * 200_000 + "]" * 200_000, "nested too deeply"),
    "binary garbage": (lambda t: bytes(range(256)) * 4, "binary data or not UTF-8"),
    "latin-1 text": (
        lambda t: t.replace("chainrule-state", "chainrule-\xe9tat").encode("latin-1"),
        "not UTF-8",
    ),
    "empty": (lambda t: "", "truncated or corrupt"),
    "header only": (lambda t: '{"format": "chainrule-state"}', "version None is not supported"),
    "version as text": (lambda t: t.replace('"version": 1', '"version": "1"'), "not supported"),
    "model a list": (lambda t: t.replace('"model": "MLP"', '"model": ["MLP"]'), "holds a"),
    "top level a list": (lambda t: "[1, 2, 3]", "no 'chainrule-state' header"),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_load_names_the_problem_and_changes_nothing(tmp_path, case):
    damage, message = DAMAGE[case]
    path = saved(tmp_path)
    bad = damage(path.read_text())
    if isinstance(bad, bytes):
        path.write_bytes(bad)
    else:
        path.write_text(bad, encoding="utf-8")
    model = MLP(2, [4, 1], seed=9)
    before = model.state_dict()
    with pytest.raises(ValueError, match=message) as caught:
        model.load(path)
    assert str(path) in str(caught.value)
    assert model.state_dict() == before


def test_every_truncation_is_refused(tmp_path):
    path = saved(tmp_path)
    text = path.read_text()
    model = MLP(2, [4, 1], seed=9)
    before = model.state_dict()
    for cut in range(0, len(text) - 1, 7):  # every 7th byte: the whole range of break points
        path.write_text(text[:cut])
        with pytest.raises(ValueError, match="truncated or corrupt|no 'chainrule-state' header"):
            model.load(path)
        assert model.state_dict() == before


def test_load_state_dict_refuses_huge_ints_and_accepts_any_real():
    model = MLP(2, [1], seed=0)
    state = model.state_dict()
    before = dict(state)
    with pytest.raises(ValueError, match=f"'{FIRST}' is an integer of about 401 digits, too large"):
        model.load_state_dict({**state, FIRST: 10**400})
    assert model.state_dict() == before
    np = pytest.importorskip("numpy")
    model.load_state_dict({**state, FIRST: np.float32(0.25)})
    assert model.state_dict()[FIRST] == 0.25 and type(model.state_dict()[FIRST]) is float


def test_a_model_reusing_a_layer_saves_and_loads_each_weight_once(tmp_path):
    shared = Dense(2, 2, "tanh", seed=0)
    a = Sequential(shared, shared, Dense(2, 1, seed=1))
    path = tmp_path / "shared.json"
    a.save(path)
    names = list(json.loads(path.read_text())["parameters"])
    assert len(names) == len(set(names)) == 6 + 3 == a.num_parameters()
    assert not any(n.startswith("layers.1.") for n in names)  # the second use adds no names
    shared_b = Dense(2, 2, "tanh", seed=5)
    b = Sequential(shared_b, shared_b, Dense(2, 1, seed=6))
    b.load(path)
    assert b.state_dict() == a.state_dict()
    assert b([0.3, -0.7]).data == a([0.3, -0.7]).data
