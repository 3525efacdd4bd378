"""The package installs as chainrule.* and never as a top-level autograd/nn/viz."""

import importlib.util
import pathlib

import chainrule.autograd
import chainrule.nn
import chainrule.viz

REPO = pathlib.Path(__file__).resolve().parent.parent


def test_subpackages_come_from_this_repo():
    for module in (chainrule.autograd, chainrule.nn, chainrule.viz):
        path = pathlib.Path(module.__file__).resolve()
        name = module.__name__.split(".")[-1]
        # an installed copy or the editable source; either way the folder is ours
        assert path.parent.name == name
        assert (path.parent / "__init__.py").exists()


def test_no_top_level_nn_or_viz():
    assert importlib.util.find_spec("nn") is None
    assert importlib.util.find_spec("viz") is None


def test_top_level_autograd_is_not_ours():
    spec = importlib.util.find_spec("autograd")
    if spec is None:  # HIPS autograd not installed: nothing named autograd at all
        return
    origin = pathlib.Path(spec.origin).resolve()
    assert origin.parent != REPO / "autograd", f"top-level 'autograd' is our folder: {origin}"
    assert not (origin.parent / "engine.py").exists()
