"""Small inline SVG charts drawn here (no JavaScript, no CDN): horizontal bars and histograms."""

from __future__ import annotations

from html import escape

COLOURS = {"bar": "#3b6ea5", "warn": "#c77c02", "bad": "#b3261e", "grid": "#d0d7de", "text": "#1f2328"}


def hbars(items: list[tuple[str, float]], *, unit: str = "", width: int = 560, colour: str = COLOURS["bar"]) -> str:
    """One labelled horizontal bar per item, longest first as given."""
    if not items:
        return '<p class="muted">Nothing to show.</p>'
    label_w, row_h = 190, 22
    top = max(v for _, v in items) or 1.0
    bar_w = width - label_w - 90
    height = row_h * len(items) + 6
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">']
    for i, (label, value) in enumerate(items):
        y = i * row_h + 3
        w = max(1.0, bar_w * value / top) if value else 0.0
        short = label if len(label) <= 28 else label[:27] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12" fill="{COLOURS["text"]}">'
            f"<title>{escape(label)}</title>{escape(short)}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{colour}" rx="2"/>'
            f'<text x="{label_w + w + 5:.1f}" y="{y + 15}" font-size="12" fill="{COLOURS["text"]}">'
            f"{escape(_fmt(value))}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def histogram(bins: list[dict[str, object]], *, width: int = 560, height: int = 170) -> str:
    """Vertical bars over labelled bins (as made by `stream.Histogram.to_dict`)."""
    if not bins or not any(int(str(b["count"])) for b in bins):
        return '<p class="muted">No values.</p>'
    counts = [int(str(b["count"])) for b in bins]
    top = max(counts)
    left, bottom, plot_h = 8, 44, height - 60
    step = (width - left * 2) / len(bins)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">']
    parts.append(
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - left}" y2="{height - bottom}" '
        f'stroke="{COLOURS["grid"]}"/>'
    )
    for i, (b, c) in enumerate(zip(bins, counts, strict=True)):
        h = plot_h * c / top if top else 0
        x = left + i * step
        y = height - bottom - h
        parts.append(
            f'<rect x="{x + 2:.1f}" y="{y:.1f}" width="{max(step - 4, 1):.1f}" height="{h:.1f}" '
            f'fill="{COLOURS["bar"]}" rx="2"><title>{escape(str(b["bin"]))}: {c:,}</title></rect>'
        )
        if c:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{y - 3:.1f}" font-size="10" text-anchor="middle" '
                f'fill="{COLOURS["text"]}">{_fmt(c)}</text>'
            )
        parts.append(
            f'<text x="{x + step / 2:.1f}" y="{height - bottom + 14}" font-size="9" text-anchor="end" '
            f'transform="rotate(-35 {x + step / 2:.1f} {height - bottom + 14})" fill="{COLOURS["text"]}">'
            f"{escape(str(b['bin']))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _fmt(v: float) -> str:
    if float(v).is_integer():
        n = int(v)
        if n >= 1_000_000:
            return f"{n / 1_000_000:.1f}M"
        if n >= 10_000:
            return f"{n / 1000:.0f}k"
        return f"{n:,}"
    return f"{v:.3g}"
