"""Assemble the self-contained HTML report (inline CSS, SVG and JS; nothing fetched from the network)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

import jinja2
import pandas as pd


@dataclass(frozen=True)
class Section:
    """A report section: an anchor id, a title and trusted HTML made by our own code."""

    id: str
    title: str
    html: str


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("corridor.report", "templates"), autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def frame_html(frame: pd.DataFrame, *, text_columns: tuple[str, ...] = (), digits: int = 1,
               row_attrs: list[dict[str, str]] | None = None, column_digits: dict[str, int] | None = None) -> str:
    """A DataFrame as an HTML table (escaped; numbers formatted; text columns left-aligned).

    ``digits`` applies to every float column except those ``column_digits`` names.
    """
    column_digits = column_digits or {}
    head = "".join(f'<th class="{"text" if c in text_columns else ""}">{escape(str(c))}</th>' for c in frame.columns)
    body = []
    for i, row in enumerate(frame.itertuples(index=False)):
        attrs = "".join(f' {k}="{escape(v)}"' for k, v in (row_attrs[i] if row_attrs else {}).items())
        cells = []
        for c, v in zip(frame.columns, row, strict=True):
            cls = "text" if c in text_columns else ""
            cells.append(f'<td class="{cls}">{_cell(v, column_digits.get(c, digits))}</td>')
        body.append(f"<tr{attrs}>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _cell(v, digits: int) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return "–" if pd.isna(v) else f"{v:,.{digits}f}"
    if isinstance(v, int):
        return f"{v:,}"
    if v is None:
        return "–"
    if isinstance(v, Markup):
        return str(v)
    return escape(str(v))


class Markup(str):
    """A string that is already HTML (made by our code) and must not be escaped again."""


def render_report(
    *, title: str, subtitle: str, before: str, after: str, cargo: str, cards: list[dict], comparison_html: str,
    map_svg: str, sections: list[Section], notes_html: str,
) -> str:
    return _env().get_template("report.html.j2").render(
        title=title, subtitle=subtitle, before=before, after=after, cargo=cargo, cards=cards,
        comparison_html=comparison_html, map_svg=map_svg, sections=sections, notes_html=notes_html,
    )


def write_report(html: str, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
