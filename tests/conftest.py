"""Shared test settings: hypothesis runs the same examples every time under CI."""

import os

from hypothesis import settings

settings.register_profile("chainrule", max_examples=60, deadline=None)
settings.register_profile("ci", parent=settings.get_profile("chainrule"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "chainrule")
