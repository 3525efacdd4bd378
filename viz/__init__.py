"""chainrule.viz: computation graphs that show the chain rule, and plots."""
