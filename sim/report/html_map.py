"""The interactive map of a run: roads by class, closed roads and bridges,
depots, shelters, team bases, townships and zones in first-supply or relief
classes tied to the planning lines, with a slider over hours since the hit.

Drawn on plain longitude/latitude axes at the right aspect with a scale
bar: no tile server, so it works offline.
"""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from sim.network.graph import RoadClass
from sim.report.html_figures import layout
from sim.report.map_furniture import nice_length_km, township_centres
from sim.report.region_map import ROAD_STYLE
from sim.report.time_classes import relief_classes, supply_classes

__all__ = ["run_map", "SLIDER_HOURS"]

#: Slider marks, hours since each zone's hit (the run's end is added).
SLIDER_HOURS = (1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 24.0, 48.0)
_NOT_YET = "#e0e0e0"
_FACILITY_STYLE = {"depot": ("star", 18, "#ff7f0e"), "shelter": ("triangle-up", 11, "#2e8b57"),
                   "team_base": ("diamond", 8, "#6a3d9a")}


def _lines(x0, y0, x1, y1) -> tuple[np.ndarray, np.ndarray]:
    n = len(x0)
    x = np.full(3 * n, np.nan, dtype="f4")
    y = np.full(3 * n, np.nan, dtype="f4")
    x[0::3], x[1::3], y[0::3], y[1::3] = x0, x1, y0, y1
    return x, y


def _road_traces(graph) -> list[go.Scatter]:
    first = np.unique(graph.segment, return_index=True)[1]
    cls = graph.road_class[first]
    traces = []
    for c in sorted(ROAD_STYLE, key=lambda c: -int(c)):
        e = first[cls == c]
        if not len(e):
            continue
        color, width = ROAD_STYLE[c]
        x, y = _lines(graph.lon[graph.tails[e]], graph.lat[graph.tails[e]], graph.lon[graph.heads[e]],
                      graph.lat[graph.heads[e]])
        traces.append(go.Scatter(x=x, y=y, mode="lines", line={"color": color, "width": max(width * 1.2, 0.6)},
                                 name=f"{RoadClass(int(c)).name.lower()} road", hoverinfo="skip",
                                 legendgroup="roads"))
    return traces


def _closure_traces(closures: list[dict]) -> list[go.Scatter]:
    traces = []
    for label, color, keep in (("closed, reopened during the run", "#e6550d", lambda p: p["reopened"] != "still closed at the end"),
                               ("closed at the end of the run", "#000000", lambda p: p["reopened"] == "still closed at the end")):
        rows = [f for f in closures if keep(f["properties"])]
        if not rows:
            continue
        c = np.array([f["geometry"]["coordinates"] for f in rows], dtype=float)
        x, y = _lines(c[:, 0, 0], c[:, 0, 1], c[:, 1, 0], c[:, 1, 1])
        traces.append(go.Scatter(x=x, y=y, mode="lines", line={"color": color, "width": 2.2},
                                 name=f"{label} ({len(rows):,} segments)", hoverinfo="skip"))
    bridges = [f for f in closures if f["properties"].get("bridge")]
    if bridges:
        c = np.array([f["geometry"]["coordinates"] for f in bridges], dtype=float).mean(axis=1)
        text = [f"bridge segment {f['properties']['segment']}: {f['properties']['cause']}; closed from "
                f"{f['properties']['closed_from_h']:.2f} h; {f['properties']['reopened']}"
                + (f" at {f['properties']['closed_until_h']:.2f} h" if f["properties"].get("closed_until_h") is not None else "")
                for f in bridges]
        traces.append(go.Scatter(x=c[:, 0], y=c[:, 1], mode="markers", name=f"bridge closed ({len(bridges)})",
                                 marker={"symbol": "square", "size": 10, "color": "#ffffff",
                                         "line": {"color": "#b2182b", "width": 2.5}},
                                 text=text, hovertemplate="%{text}<extra></extra>"))
    return traces


def _facility_traces(facilities: list[dict]) -> list[go.Scatter]:
    traces = []
    kinds = list(dict.fromkeys(f["properties"]["facility"] for f in facilities))
    for kind in kinds:
        rows = [f for f in facilities if f["properties"]["facility"] == kind]
        symbol, size, color = _FACILITY_STYLE.get(kind, ("circle", 8, "#444444"))
        xy = np.array([f["geometry"]["coordinates"] for f in rows], dtype=float)
        text = [", ".join(f"{k}: {v}" for k, v in f["properties"].items() if not isinstance(v, dict)) for f in rows]
        traces.append(go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="markers+text" if kind == "depot" else "markers",
                                 visible="legendonly" if kind == "team_base" else True,
                                 name=f"{kind.replace('_', ' ')} ({len(rows)})",
                                 marker={"symbol": symbol, "size": size, "color": color,
                                         "line": {"color": "#000000", "width": 1}},
                                 text=[f["properties"]["id"] for f in rows] if kind == "depot" else text,
                                 textposition="top right", textfont={"size": 11, "color": "#000000"},
                                 hovertext=text, hovertemplate="%{hovertext}<extra></extra>"))
    return traces


def _zone_colors(classes, hours: np.ndarray, at_h: float | None) -> list[str]:
    index = classes.index(hours)
    colors = np.array(classes.colors, dtype=object)[index]
    if at_h is not None:
        colors = np.where(np.nan_to_num(hours, nan=np.inf) <= at_h, colors, _NOT_YET)
    return list(colors)


def run_map(zones, closures: list[dict], facilities: list[dict], graph, summary: dict, duration_h: float,
            title: str) -> go.Figure:
    """The map (see the module docstring)."""
    targets = summary.get("targets", {})
    views = [("first supplies", supply_classes(targets.get("district_supplies_h", ())), "first_supply_h"),
             ("relief", relief_classes(targets.get("basic_relief_h", ())), "relief_h")]
    affected = zones[zones["affected"] > 0]
    base = (_road_traces(graph) if graph is not None else []) + _closure_traces(closures)
    fig = go.Figure(base)
    size = 5 + 13 * np.sqrt(affected["affected"].to_numpy(float) / max(float(affected["affected"].max()), 1.0))
    unaffected = zones[zones["affected"] <= 0]
    fig.add_trace(go.Scatter(x=unaffected["lon"], y=unaffected["lat"], mode="markers", name="zone not affected",
                             marker={"size": 4, "color": "#bdbdbd"}, hoverinfo="skip"))
    zone_trace_index, legend_traces = [], []
    for k, (what, classes, column) in enumerate(views):
        hours = affected[column].astype(float).to_numpy()
        text = [f"{z} ({t}): {int(a):,} affected; first supplies {f}; relief {r}" for z, t, a, f, r in zip(
            affected["zone_id"], affected["township"], affected["affected"],
            _h(affected["first_supply_h"]), _h(affected["relief_h"]))]
        zone_trace_index.append(len(fig.data))
        fig.add_trace(go.Scatter(x=affected["lon"], y=affected["lat"], mode="markers", name=f"zones by {what} time",
                                 visible=k == 0, showlegend=False, text=text, hovertemplate="%{text}<extra></extra>",
                                 marker={"size": size, "color": _zone_colors(classes, hours, None),
                                         "line": {"color": "#333333", "width": 0.5}}))
        counts = np.bincount(classes.index(hours), minlength=len(classes.labels))
        for label, color, count in zip(classes.labels, classes.colors, counts):
            legend_traces.append((k, len(fig.data)))
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", visible=k == 0,
                                     name=f"{what} {label} ({count} sites)",
                                     marker={"size": 10, "color": color}))
    after = list(_facility_traces(facilities)) + _township_trace(zones)
    for trace in after:
        fig.add_trace(trace)
    n = len(fig.data)

    def visible(view: int) -> list[bool]:
        v = [True] * n
        for k, idx in enumerate(zone_trace_index):
            v[idx] = k == view
        for k, idx in legend_traces:
            v[idx] = k == view
        return v

    fig.update_layout(updatemenus=[{"type": "buttons", "direction": "right", "x": 0.35, "y": 1.07, "xanchor": "left",
                                    "buttons": [{"label": f"colour by {what} time", "method": "update",
                                                 "args": [{"visible": visible(k)}]} for k, (what, _, _) in enumerate(views)]}])
    marks = [h for h in SLIDER_HOURS if h < duration_h] + [duration_h]
    steps = []
    for h in marks:
        colors = [_zone_colors(classes, affected[column].astype(float).to_numpy(), h) for _, classes, column in views]
        steps.append({"label": f"{h:g} h", "method": "restyle", "args": [{"marker.color": colors}, zone_trace_index]})
    fig.update_layout(sliders=[{"active": len(steps) - 1, "steps": steps, "x": 0.0, "len": 1.0, "y": -0.06,
                                "currentvalue": {"prefix": "zones reached by (hours since their hit): "},
                                "pad": {"t": 30}}])
    _axes(fig, zones, facilities, graph)
    layout(fig, title, height=820)
    fig.update_layout(legend={"orientation": "v", "x": 1.01, "y": 1, "xanchor": "left", "yanchor": "top",
                              "font": {"size": 11}}, margin={"r": 260, "b": 120})
    return fig


def _h(column) -> list[str]:
    return ["never" if not math.isfinite(v) else f"{v:.2f} h" for v in column.astype(float).fillna(np.inf)]


def _township_trace(zones) -> list[go.Scatter]:
    centres = township_centres(zones)
    if not centres:
        return []
    return [go.Scatter(x=[c[1] for c in centres], y=[c[2] for c in centres], mode="text", name="township",
                       text=[c[0] for c in centres], textfont={"size": 12, "color": "#222222"}, hoverinfo="skip")]


def _axes(fig: go.Figure, zones, facilities, graph) -> None:
    """Axes in degrees around the zones at the right aspect (zoom out for the roads beyond), a scale bar."""
    lon, lat = zones["lon"].to_numpy(float), zones["lat"].to_numpy(float)
    if not len(lon):
        pts = np.array([f["geometry"]["coordinates"] for f in facilities] or [[0.0, 0.0]], dtype=float)
        lon, lat = pts[:, 0], pts[:, 1]
    x0, x1, y0, y1 = np.nanmin(lon), np.nanmax(lon), np.nanmin(lat), np.nanmax(lat)
    pad_x, pad_y = 0.04 * max(x1 - x0, 1e-3), 0.04 * max(y1 - y0, 1e-3)
    mean_lat = float(np.nanmean(lat))
    km_per_deg = 111.32 * math.cos(math.radians(mean_lat))
    length = nice_length_km((x1 - x0) * km_per_deg)
    deg = length / km_per_deg
    right, bottom = x1, y0 - 0.6 * pad_y
    fig.add_shape(type="line", x0=right - deg, x1=right, y0=bottom, y1=bottom, line={"color": "#000000", "width": 4})
    fig.add_annotation(x=right - deg / 2, y=bottom, text=f"{length:g} km", showarrow=False, yshift=12,
                       font={"size": 12})
    fig.update_xaxes(title_text="longitude (°E)", range=[x0 - pad_x, x1 + pad_x], showgrid=False, zeroline=False,
                     constrain="domain")
    fig.update_yaxes(title_text="latitude (°N)", range=[y0 - pad_y, y1 + pad_y], scaleanchor="x",
                     scaleratio=1 / math.cos(math.radians(mean_lat)), showgrid=False, zeroline=False,
                     constrain="domain")
