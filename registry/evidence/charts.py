"""Server-side SVG for the evidence pages: per-KPI p50/p95 over time with the profile's bound drawn, and the
availability timeline. No JavaScript and no chart library: the SVG is part of the HTML, prints as it shows,
and works with the pages' `script-src 'self'` policy. Every chart carries a text alternative (<title>/<desc>)
and data attributes the browser tests read (the bound's value, the series' point counts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from markupsafe import Markup, escape

from registry.evidence.schemas import KpiSeries, TimelineSegment

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 14, 30
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
TIMELINE_H = 34


def _fmt(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _time(value: datetime, span_s: float) -> str:
    return value.strftime("%H:%M UTC" if span_s <= 6 * 3600 else "%m-%d %H:%M UTC")


def _polylines(points: Sequence[tuple[float, float | None]], css: str) -> str:
    """One <polyline> per run of points with a value: a bucket without samples breaks the line."""
    runs: list[list[str]] = [[]]
    for x, y in points:
        if y is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(f"{x:.1f},{y:.1f}")
    shapes = []
    for run in runs:
        if len(run) == 1:
            x, y = run[0].split(",")
            shapes.append(f'<circle class="{css}" cx="{x}" cy="{y}" r="2"/>')
        elif run:
            shapes.append(f'<polyline class="{css}" points="{" ".join(run)}"/>')
    return "".join(shapes)


def kpi_chart(series: KpiSeries, *, label: str, legend: dict[str, str], chart_id: str) -> Markup:
    """p50 and p95 (5th percentile for "min" bounds) per bucket, with the bound as a dashed line."""
    points = series.points
    values = [v for p in points for v in (p.p50, p.p95) if v is not None]
    top = max([series.bound * 1.25, *(v * 1.1 for v in values)]) or 1.0
    if not points:
        return Markup("")
    start, end = points[0].start, points[-1].end
    span_s = max(1.0, (end - start).total_seconds())

    def x(moment: datetime) -> float:
        return LEFT + PLOT_W * (moment - start).total_seconds() / span_s

    def y(value: float | None) -> float | None:
        return None if value is None else TOP + PLOT_H * (1 - min(value, top) / top)

    mid = [(x(p.start + (p.end - p.start) / 2), y(p.p50)) for p in points]
    tail = [(x(p.start + (p.end - p.start) / 2), y(p.p95)) for p in points]
    bound_y = y(series.bound)
    with_data = sum(1 for p in points if p.samples)
    desc = legend["desc"].format(kpi=label, bound=_fmt(series.bound), unit=series.unit, buckets=with_data)
    grid = "".join(
        f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{gy:.1f}" y2="{gy:.1f}"/>'
        f'<text class="axis" x="{LEFT - 6}" y="{gy + 4:.1f}" text-anchor="end">{_fmt(top * (1 - f))}</text>'
        for f, gy in ((f, TOP + PLOT_H * f) for f in (0.0, 0.5, 1.0))
    )
    svg = (
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" data-kpi="{escape(series.kpi)}" '
        f'data-direction="{series.direction}" data-buckets-with-data="{with_data}">'
        f'<title id="{chart_id}-t">{escape(label)}</title><desc id="{chart_id}-d">{escape(desc)}</desc>'
        f"{grid}"
        f'<text class="axis" x="{LEFT}" y="{HEIGHT - 8}">{_time(start, span_s)}</text>'
        f'<text class="axis" x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" text-anchor="end">{_time(end, span_s)}</text>'
        f"{_polylines(tail, 'p95')}{_polylines(mid, 'p50')}"
        f'<line class="bound" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{bound_y:.1f}" y2="{bound_y:.1f}" '
        f'data-bound="{series.bound:g}"/>'
        f'<text class="bound-label" x="{WIDTH - RIGHT - 4}" y="{(bound_y or 0) - 5:.1f}" text-anchor="end">'
        f"{escape(legend['bound'])} {_fmt(series.bound)} {escape(series.unit)}</text>"
        "</svg>"
    )
    return Markup(svg)


def timeline(segments: Sequence[TimelineSegment], *, labels: dict[str, str], chart_id: str) -> Markup:
    """Available / unavailable / no data over the window, one coloured band."""
    if not segments:
        return Markup("")
    start, end = segments[0].start, segments[-1].end
    span_s = max(1.0, (end - start).total_seconds())
    rects = []
    for segment in segments:
        x0 = LEFT + PLOT_W * (segment.start - start).total_seconds() / span_s
        width = max(0.5, PLOT_W * (segment.end - segment.start).total_seconds() / span_s)
        tip = f"{labels[segment.state]}: {segment.start:%Y-%m-%d %H:%M} - {segment.end:%H:%M} UTC"
        rects.append(
            f'<rect class="tl-{segment.state}" x="{x0:.1f}" y="4" width="{width:.1f}" height="{TIMELINE_H - 8}" '
            f'data-state="{segment.state}"><title>{escape(tip)}</title></rect>'
        )
    summary = ", ".join(f"{labels[s.state]} {s.start:%H:%M}-{s.end:%H:%M}" for s in segments[:20])
    return Markup(
        f'<svg class="timeline" id="{chart_id}" viewBox="0 0 {WIDTH} {TIMELINE_H + 18}" role="img" '
        f'aria-labelledby="{chart_id}-t"><title id="{chart_id}-t">{escape(labels["title"])}: {escape(summary)}</title>'
        f"{''.join(rects)}"
        f'<text class="axis" x="{LEFT}" y="{TIMELINE_H + 14}">{_time(start, span_s)}</text>'
        f'<text class="axis" x="{WIDTH - RIGHT}" y="{TIMELINE_H + 14}" text-anchor="end">{_time(end, span_s)}</text>'
        "</svg>"
    )
