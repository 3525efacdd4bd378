"""`python -m chainrule.viz`: the lecture's two-weight example, drawn and derived.

Builds x -(w1)-> z1 -> g -(w2)-> yhat -> J, runs backward, writes the graph
with the paths from w1 highlighted (svg, png), or the interactive graph as one
standalone page (html), and prints the chain rule for w1 and w2.
"""

from __future__ import annotations

import argparse
import pathlib
import sys

from .chain import chain_rule
from .frontend import export_html
from .graph import draw_graph
from .lecture import two_weight_network
from .render import RendererNotFound


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chainrule.viz", description=__doc__)
    parser.add_argument(
        "-o",
        "--out",
        default="two_weight_backprop",
        help="output file (default: %(default)s.FORMAT)",
    )
    parser.add_argument(
        "--format",
        default="svg",
        choices=["svg", "png", "html"],
        help="svg or png: a picture; html: the interactive graph as one standalone page",
    )
    args = parser.parse_args(argv)

    net = two_weight_network()
    net.J.backward()
    print("The lecture's two-weight network: x -(w1)-> z1 -> g -(w2)-> yhat -> J")
    print(f"  x = {net.x.data:g}, w1 = {net.w1.data:g}, w2 = {net.w2.data:g}, y = {net.y.data:g}")
    print(
        f"  z1 = w1·x = {net.z1.data:.4g}, a1 = sigmoid(z1) = {net.a1.data:.4g}, "
        f"yhat = w2·a1 = {net.yhat.data:.4g}, J = (y - yhat)^2 = {net.J.data:.4g}"
    )
    print()
    for w, name in ((net.w2, "w2"), (net.w1, "w1")):
        derivation = chain_rule(net.J, w, recompute=lambda v, n=name: net.loss_at(**{n: v}))
        print(derivation)
        print()

    out = pathlib.Path(args.out)
    if args.format == "html":
        path = out if out.suffix.lower() in (".html", ".htm") else out.with_name(out.name + ".html")
        export_html(net.J, path, title="The lecture's two-weight network: backprop, step by step")
        print(f"interactive graph (open it in a browser, works offline): {path.resolve()}")
        return 0
    if out.suffix.lstrip(".") == args.format:
        out = out.with_suffix("")
    try:
        graph = draw_graph(net.J, highlight=net.w1)
        written = graph.render(
            filename=out.name, directory=str(out.parent), format=args.format, cleanup=True
        )
    except RendererNotFound as e:
        print(e, file=sys.stderr)
        return 1
    print(f"graph with the paths from w1 highlighted: {pathlib.Path(written).resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
