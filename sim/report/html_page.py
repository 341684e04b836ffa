"""One self-contained HTML page: inline CSS, plotly.js inlined once, sections and tables.

The page fetches nothing: no script, style sheet, font, image or map tile
comes from the network, so a report opens offline from a USB stick.
Interactive figures are Plotly figures embedded as JSON; tables are plain
HTML whose number cells carry the exact value in ``data-value`` (the text
shows it rounded).
"""
from __future__ import annotations

import html
import json
import math
from pathlib import Path

from sim.errors import InputError
from sim.files import atomic_write
from sim.version import __version__

__all__ = ["Page", "table", "esc", "pct", "share_pct", "num", "TARGET_SOURCES", "target_source", "figure_html"]

#: Where each target preset comes from.
TARGET_SOURCES = {
    "tongzhou-2030": "[TZ] Tongzhou 2026–2030 emergency plan",
    "beijing-2025": "[BJ14] Beijing 14th five-year plan",
    "beijing-2015": "[BJ12] Beijing 12th five-year plan",
}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#243447;color:#fff;padding:14px 24px}
header h1{margin:0 0 4px;font-size:22px}header p{margin:2px 0;font-size:13px;color:#dde}
nav{background:#e8edf2;padding:6px 24px;font-size:13px;position:sticky;top:0;z-index:10}
nav a{margin-right:14px;color:#243447}
main{padding:8px 24px 40px;max-width:1400px}
section{background:#fff;border:1px solid #ddd;border-radius:6px;margin:14px 0;padding:10px 16px}
h2{font-size:18px;margin:6px 0 10px}p.note{font-size:12px;color:#555}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f0f3f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
td.met{background:#d9f2d9;font-weight:bold}td.notmet{background:#f8d7d7;font-weight:bold}
.scroll{max-height:520px;overflow:auto}pre{font-size:12px;background:#f6f6f6;padding:8px;overflow:auto;max-height:520px}
details summary{cursor:pointer;font-size:13px;color:#243447;margin:6px 0}
.plot{width:100%}
"""


def esc(value) -> str:
    return html.escape(str(value), quote=True)


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def pct(value, digits: int = 1) -> str:
    return "n/a" if not _finite(value) else f"{100 * value:.{digits}f} %"


def share_pct(value, digits: int = 2) -> str:
    """A share in [0, 1] as a percentage with ``digits`` decimals, more (up to 4) where it would
    read 0 % or 100 % without being either (99.996 %, not 100.00 %)."""
    if not _finite(value):
        return "n/a"
    percent = 100 * value
    while digits < 4 and 0 < abs(value) < 1 and round(percent, digits) in (0.0, 100.0, -100.0):
        digits += 1
    return f"{percent:.{digits}f} %"


def num(value, digits: int = 2) -> str:
    if not _finite(value):
        return "–" if value is None or isinstance(value, float) else esc(value)
    if float(value) == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


def target_source(preset) -> str:
    return TARGET_SOURCES.get(preset, "the scenario's own targets")


def table(header: list[str], rows: list[list], *, table_id: str | None = None) -> str:
    """An HTML table; a cell is text, or a dict ``{"text", "value", "cls"}`` (``value`` goes into ``data-value``)."""
    id_attr = f' id="{esc(table_id)}"' if table_id else ""
    out = [f"<table{id_attr}>",
           "<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr></thead><tbody>"]
    for row in rows:
        cells = []
        for cell in row:
            if isinstance(cell, dict):
                attrs = f' class="{esc(cell["cls"])}"' if cell.get("cls") else ""
                if "value" in cell:
                    v = cell["value"]
                    attrs += f' data-value="{esc(json.dumps(v if _finite(v) or isinstance(v, bool) else None))}"'
                cells.append(f"<td{attrs}>{esc(cell['text'])}</td>")
            else:
                cells.append(f"<td>{esc(cell)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def figure_html(fig, div_id: str, height: int | None = None) -> str:
    """A Plotly figure as a div of fixed height and the script that draws it (plotly.js is inlined once
    by :class:`Page`)."""
    import plotly.io as pio

    if height is not None:
        fig.update_layout(height=height)
    height = fig.layout.height or 450
    div_id = f"fig-{div_id}"
    data = pio.to_json(fig, validate=False, pretty=False, engine="json").replace("</", "<\\/")
    config = json.dumps({"displaylogo": False, "toImageButtonOptions": {"scale": 2}})
    return (f'<div id="{esc(div_id)}" class="plot" style="height:{int(height)}px"></div>'
            f"<script>(function(){{var f={data};Plotly.newPlot({json.dumps(div_id)},f.data,f.layout,{config});}})();"
            "</script>")


class Page:
    """Sections added in order, written as one self-contained file."""

    def __init__(self, title: str, subtitle_lines: list[str]):
        self.title = title
        self.subtitle_lines = subtitle_lines
        self.sections: list[tuple[str, str, str]] = []

    def section(self, anchor: str, heading: str, body: str) -> None:
        self.sections.append((anchor, heading, body))

    def render(self) -> str:
        from plotly.offline import get_plotlyjs

        nav = "".join(f'<a href="#{esc(a)}">{esc(h)}</a>' for a, h, _ in self.sections)
        body = "\n".join(f'<section id="{esc(a)}"><h2>{esc(h)}</h2>\n{b}\n</section>' for a, h, b in self.sections)
        subtitle = "".join(f"<p>{esc(line)}</p>" for line in self.subtitle_lines)
        return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                f"<meta name=\"generator\" content=\"sim {esc(__version__)}\">"
                f"<title>{esc(self.title)}</title><style>{_CSS}</style>"
                f"<script>{get_plotlyjs()}</script></head><body>"
                f"<header><h1>{esc(self.title)}</h1>{subtitle}</header><nav>{nav}</nav><main>{body}</main>"
                f"</body></html>\n")

    def write(self, path: Path) -> Path:
        """Write the page to ``path``; :class:`~sim.errors.InputError` if it cannot be written there."""
        path = Path(path)
        if path.is_dir():
            raise InputError(f"{path}: is a folder; name the report's file (e.g. {path / 'report.html'})")
        text = self.render()
        try:
            with atomic_write(path) as tmp:
                tmp.write_text(text, encoding="utf-8")
        except OSError as error:
            raise InputError(f"{path}: cannot write the report there ({error.strerror or error}); "
                             "choose a writable file") from None
        return path
