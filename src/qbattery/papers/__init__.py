"""Paper reproductions: one module per paper, each registering a :class:`~.base.Paper`.

Modules here are imported by :func:`qbattery.experiments.registry.load_plugins` (every module
except ``base`` and private ones), so a new paper only needs a new file. ``demo`` is a built-in
study with closed-form checks that exercises the whole pipeline.
"""

from .base import Paper, PaperFigure, get_paper, paper_names, register

__all__ = ["Paper", "PaperFigure", "get_paper", "paper_names", "register"]
