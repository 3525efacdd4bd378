"""`python -m chainrule.autograd`: the lecture's perceptron, forward and backward."""

from chainrule.autograd import Value


def main() -> None:
    """Print the lecture's perceptron (w0 = 1, W = [3, -2], x = [-1, 2]) and its gradients."""
    w0, w1, w2 = Value(1.0, "w0"), Value(3.0, "w1"), Value(-2.0, "w2")
    x1, x2 = Value(-1.0, "x1"), Value(2.0, "x2")
    z = (w0 + w1 * x1 + w2 * x2).named("z")
    yhat = z.sigmoid().named("yhat")
    yhat.backward()
    print(f"z = w0 + w1*x1 + w2*x2 = {z.data:g}")
    print(f"yhat = sigmoid(z) = {yhat.data:.5f}")
    for w in (w0, w1, w2):
        print(f"d yhat / d {w.label} = {w.grad:+.6f}")


if __name__ == "__main__":
    main()
