"""Figures from data in one house style (matplotlib is imported only when a figure is drawn)."""

from .figure import (
    FORMATS,
    HOUSE_STYLE,
    KINDS,
    OKABE_ITO,
    FigureSpec,
    default_formats,
    draw_figure,
    plot_dataset,
)

__all__ = ["FORMATS", "HOUSE_STYLE", "KINDS", "OKABE_ITO", "FigureSpec", "default_formats",
           "draw_figure", "plot_dataset"]
