"""Figures from data in one house style (matplotlib is imported only when a figure is drawn)."""

from .figure import HOUSE_STYLE, OKABE_ITO, FigureSpec, plot_dataset

__all__ = ["HOUSE_STYLE", "OKABE_ITO", "FigureSpec", "plot_dataset"]
