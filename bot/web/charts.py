"""Small bar charts drawn on the server as inline SVG: no script, nothing loaded from elsewhere, labels escaped."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 170
BAR_WIDTH = 320
VALUE_WIDTH = 60
LABEL_CHARACTERS = 26


def bar_chart(rows: Sequence[tuple[str, int]], title: str, *, maximum: int | None = None) -> Markup | None:
    """Return a horizontal bar chart of ``(label, value)`` rows, or ``None`` when there is nothing to draw."""
    if not rows:
        return None
    top = max(maximum or 0, *(value for _, value in rows), 1)
    height = len(rows) * (BAR_HEIGHT + GAP)
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for index, (label, value) in enumerate(rows):
        y = index * (BAR_HEIGHT + GAP)
        length = max(2, round(BAR_WIDTH * max(value, 0) / top))
        shown = label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"
        middle = y + BAR_HEIGHT / 2
        parts.append(
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(shown)}</text>'
            f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" rx="4">'
            f"<title>{escape(label)}: {value:,}</title></rect>"
            f'<text class="chart-value" x="{LABEL_WIDTH + length + 6}" y="{middle}" '
            f'dominant-baseline="middle">{value:,}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # safe: every label above went through escape()
