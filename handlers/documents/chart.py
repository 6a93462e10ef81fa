"""The monthly attendance chart, a PNG of a fixed size drawn headless (Agg)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # headless: no display, whatever the environment says

from matplotlib.figure import Figure

from bot.domain.reports import ATTENDANCE_CRITERION, Report
from bot.i18n import Translator

WIDTH, HEIGHT, DPI = 1000, 500, 100


def attendance_chart(report: Report, tr: Translator) -> bytes:
    """Bars of each month's attendance rate (%), the 85 % line, WIDTH x HEIGHT pixels."""
    months = report.monthly_rates()
    labels = [f"{m:02d}/{y % 100:02d}" for y, m, _ in months]
    values = [rate * 100 if rate is not None else 0.0 for _, _, rate in months]
    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    axes = figure.add_subplot()
    colors = [
        "#2e7d32" if rate is not None and rate > ATTENDANCE_CRITERION else "#c62828"
        for _, _, rate in months
    ]
    bars = axes.bar(labels, values, color=colors)
    for bar, (_, _, rate) in zip(bars, months, strict=True):
        text = f"{rate * 100:.0f}%" if rate is not None else "–"
        axes.annotate(
            text,
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    axes.axhline(ATTENDANCE_CRITERION * 100, color="#555555", linestyle="--", linewidth=1)
    axes.set_ylim(0, 105)
    axes.set_ylabel(tr.gettext("attendance (%)"))
    axes.set_title(
        tr.gettext(
            "Attendance by month: {cell}, {period}",
            cell=report.cell_name,
            period=report.period.label,
        )
    )
    figure.subplots_adjust(left=0.07, right=0.98, top=0.9, bottom=0.1)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
