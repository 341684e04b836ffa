"""The interactive figures of the HTML reports (Plotly, no map tiles).

Every time axis spans the run; shares are in %, times in hours with the
clock named on the axis; target lines are drawn and labelled.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from sim.report.figures import TARGET_LINE_COLORS, label_rows
from sim.report.hazard_plots import OUTAGE_COLORS, RUN_CLOCK_LABEL
from sim.report.run_plots import SINCE_HIT_LABEL, step_curve

__all__ = ["layout", "coverage_chart", "band_chart", "gantt_chart", "outage_chart", "closed_km_chart",
           "TEAM_COLORS"]

TEAM_COLORS = {"sar": "#d62728", "fire_rescue": "#ff7f0e", "road_repair": "#8c564b", "pumping": "#1f77b4",
               "lifeline_repair": "#bcbd22", "volunteer": "#2ca02c", "medical": "#e377c2", "army": "#7f7f7f",
               "distribution": "#17becf"}
_BAND_COLORS = ("#1f77b4", "#7f7f7f", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def layout(fig: go.Figure, title: str, height: int = 420, legend_below: bool = False) -> go.Figure:
    """Title, height and a horizontal legend: above the plot, or below it where the target lines' labels
    take the room above."""
    legend = ({"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0, "xanchor": "left"} if legend_below else
              {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 1, "xanchor": "right"})
    fig.update_layout(template="plotly_white", title={"text": title, "x": 0.01, "xanchor": "left"}, height=height,
                      margin={"l": 70, "r": 30, "t": 90 if legend_below else 70, "b": 120 if legend_below else 60},
                      legend=legend)
    return fig


def _target_lines(fig: go.Figure, lines_h, duration_h: float) -> None:
    """Dashed target lines, each labelled centred above its line, in rows (:func:`label_rows`) so close
    lines' labels do not meet."""
    for h, row in label_rows(lines_h, duration_h, min_gap=0.04).items():
        fig.add_vline(x=h, line={"dash": "dash", "width": 1.2, "color": TARGET_LINE_COLORS.get(h, "#9467bd")},
                      annotation_text=f"{h:g} h", annotation_position="top", annotation_yshift=16 * row,
                      annotation_font_size=11)


def _time_axis(fig: go.Figure, duration_h: float, label: str, **where) -> None:
    step = 1 if duration_h <= 12 else 3 if duration_h <= 24 else 6 if duration_h <= 72 else 12
    fig.update_xaxes(range=[0, duration_h], dtick=step, title_text=label, **where)


def _share_axis(fig: go.Figure, label: str, **where) -> None:
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", title_text=label, **where)


def coverage_chart(curves: list[tuple[str, np.ndarray, np.ndarray, str]], duration_h: float, lines_h,
                   title: str, ylabel: str, points=()) -> go.Figure:
    """Step curves ``(label, times_h, weights, colour)`` as shares of their weights' total, over the run;
    ``points`` ``(label, hours, shares, colour)`` are shares known only at some hours, drawn as markers."""
    fig = go.Figure()
    for label, times, weights, color in curves:
        total = float(np.sum(weights))
        x, y = step_curve(np.asarray(times, float), np.asarray(weights, float), total, duration_h)
        fig.add_trace(go.Scatter(x=x.astype("f4"), y=y.astype("f4"), mode="lines", line={"shape": "hv", "color": color, "width": 2.5},
                                 name=label, hovertemplate="%{x:.2f} h: %{y:.1%}<extra>" + label + "</extra>"))
    for label, hours, shares, color in points:
        fig.add_trace(go.Scatter(x=list(hours), y=list(shares), mode="markers",
                                 marker={"color": color, "size": 11, "symbol": "diamond"}, name=label,
                                 hovertemplate="within %{x:g} h: %{y:.1%}<extra>" + label + "</extra>"))
    _target_lines(fig, lines_h, duration_h)
    _time_axis(fig, duration_h, SINCE_HIT_LABEL)
    _share_axis(fig, ylabel)
    return layout(fig, title, legend_below=True)


def band_chart(series: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]], step_h: float, lines_h,
               title: str, ylabel: str, colors=_BAND_COLORS) -> go.Figure:
    """Mean curves with their 95 % bands ``(label, mean, low, high)`` on a grid ``step_h`` hours apart."""
    fig = go.Figure()
    duration_h = 0.0
    for k, (label, mean, low, high) in enumerate(series):
        hours = (np.arange(len(mean)) * step_h).astype("f4")
        duration_h = max(duration_h, float(hours[-1]) if len(hours) else 0.0)
        color = colors[k % len(colors)]
        fig.add_trace(go.Scatter(x=hours, y=np.asarray(high, "f4"), mode="lines", line={"width": 0, "shape": "hv"},
                                 showlegend=False, hoverinfo="skip", legendgroup=label))
        fig.add_trace(go.Scatter(x=hours, y=np.asarray(low, "f4"), mode="lines", line={"width": 0, "shape": "hv"},
                                 fill="tonexty", fillcolor=_rgba(color, 0.22), name=f"{label}: 95 % band",
                                 hoverinfo="skip", legendgroup=label, showlegend=False))
        fig.add_trace(go.Scatter(x=hours, y=np.asarray(mean, "f4"), mode="lines",
                                 line={"color": color, "width": 2.5, "shape": "hv"}, name=label, legendgroup=label,
                                 hovertemplate="%{x:.2f} h: %{y:.1%}<extra>" + label + "</extra>"))
    _target_lines(fig, lines_h, duration_h)
    _time_axis(fig, duration_h, SINCE_HIT_LABEL)
    _share_axis(fig, ylabel)
    return layout(fig, title, legend_below=True)


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def gantt_chart(bars, duration_h: float, title: str) -> go.Figure:
    """Busy periods ``(agent, group, start_h, end_h, what)`` of teams and trucks, one row per agent."""
    fig = go.Figure()
    agents = list(dict.fromkeys(b[0] for b in bars))
    groups: dict[str, list] = {}
    for bar in bars:
        groups.setdefault(bar[1], []).append(bar)
    for k, (group, rows) in enumerate(groups.items()):
        kind = group.split(": ", 1)[-1]
        color = TEAM_COLORS.get(kind, _BAND_COLORS[k % len(_BAND_COLORS)])
        fig.add_trace(go.Bar(y=[r[0] for r in rows], x=np.array([r[3] - r[2] for r in rows], "f4"),
                             base=np.array([r[2] for r in rows], "f4"), orientation="h", name=group,
                             marker={"color": color, "line": {"width": 0}},
                             text=[f"{r[4]}: {r[2]:.2f}–{r[3]:.2f} h" for r in rows], textposition="none",
                             hovertemplate="%{y}<br>%{text}<extra>" + group + "</extra>"))
    fig.update_yaxes(categoryorder="array", categoryarray=agents[::-1], tickfont={"size": 8},
                     title_text="team crews and trucks")
    _time_axis(fig, duration_h, RUN_CLOCK_LABEL)
    fig.update_layout(barmode="overlay", bargap=0.15)
    return layout(fig, title, height=max(420, 60 + 9 * len(agents)))


def outage_chart(outages: list[dict], duration_h: float, title: str) -> go.Figure:
    """One bar per outage window over the run."""
    fig = go.Figure()
    labels = [f"{o['kind'].replace('_', ' ')} #{k + 1}" for k, o in enumerate(outages)]
    for label, o in zip(labels, outages):
        fig.add_trace(go.Bar(y=[label], x=[o["end_h"] - o["start_h"]], base=[o["start_h"]], orientation="h",
                             marker={"color": OUTAGE_COLORS.get(o["kind"], "#999999")}, showlegend=False,
                             text=[f"{o['what']} ({o['start_h']:g}–{o['end_h']:g} h)"], textposition="inside",
                             insidetextanchor="start", hovertemplate="%{text}<extra></extra>"))
    _target_lines(fig, (3.0, 8.0, 12.0), duration_h)
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1])
    _time_axis(fig, duration_h, RUN_CLOCK_LABEL)
    return layout(fig, title, height=140 + 45 * len(outages))


def closed_km_chart(hazard: dict, duration_h: float, title: str) -> go.Figure:
    """Closed road length (km) over the run: by road class when ``summary.json`` has it, else in total."""
    fig = go.Figure()
    by_class = hazard.get("closed_road_km_by_class_over_time") or {}
    series = by_class or {"all road classes": hazard.get("closed_road_km_over_time") or [[0.0, 0.0]]}
    for name, points in series.items():
        a = np.asarray(points, dtype=float).reshape(-1, 2)
        x, y = np.append(a[:, 0], duration_h), np.append(a[:, 1], a[-1, 1])
        fig.add_trace(go.Scatter(x=x.astype("f4"), y=y.astype("f4"), mode="lines", name=name,
                                 line={"shape": "hv", "width": 2}, stackgroup="km" if by_class else None,
                                 hovertemplate="%{x:.2f} h: %{y:,.1f} km<extra>" + name + "</extra>"))
    _time_axis(fig, duration_h, RUN_CLOCK_LABEL)
    fig.update_yaxes(rangemode="tozero", title_text="road length closed (km)", tickformat=",.0f")
    return layout(fig, title, height=360)
