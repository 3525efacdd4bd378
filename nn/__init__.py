"""chainrule.nn: perceptrons, layers, MLPs, losses, optimisers and training."""
