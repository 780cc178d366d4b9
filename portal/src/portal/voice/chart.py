"""A horizontal bar chart as server-rendered SVG (no script, no other origin): one bar per unit, its value
written beside it; the page's table carries the same numbers for screen readers and copying."""

from __future__ import annotations

from xml.sax.saxutils import escape

BAR, GAP, LABEL_W, WIDTH = 22, 8, 330, 760


def bar_chart(rows: list[tuple[str, float | None]], *, title: str) -> str:
    plot = WIDTH - LABEL_W - 70
    height = 40 + len(rows) * (BAR + GAP)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" class="sb-chart" role="img" '
        f'aria-labelledby="bieu-do-tieu-de" focusable="false">',
        f'<title id="bieu-do-tieu-de">{escape(title)}</title>',
        f'<text x="0" y="18" class="sb-title">{escape(title)}</text>',
    ]
    for x in (0, 50, 100):
        gx = LABEL_W + plot * x / 100
        parts.append(f'<line x1="{gx:.1f}" y1="28" x2="{gx:.1f}" y2="{height - 4}" class="sb-grid"/>')
    for i, (label, value) in enumerate(rows):
        y = 32 + i * (BAR + GAP)
        name = label if len(label) <= 44 else label[:43] + "…"
        parts.append(f'<text x="{LABEL_W - 8}" y="{y + BAR - 6}" text-anchor="end" class="sb-label">'
                     f'{escape(name)}</text>')
        if value is None:
            parts.append(f'<text x="{LABEL_W + 4}" y="{y + BAR - 6}" class="sb-value">chưa có số liệu</text>')
            continue
        w = max(1.0, plot * value / 100)
        parts.append(f'<rect x="{LABEL_W}" y="{y}" width="{w:.1f}" height="{BAR}" class="sb-bar"/>')
        parts.append(f'<text x="{LABEL_W + w + 6:.1f}" y="{y + BAR - 6}" class="sb-value">'
                     f'{value:.2f}'.replace(".", ",") + "%</text>")
    parts.append("</svg>")
    return "\n".join(parts)
