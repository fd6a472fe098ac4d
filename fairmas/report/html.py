"""HTML building blocks of the report: escaping, tables, figures, sections, the page.

All text from input files goes through :func:`escape` (names may hold ``<`` or
``&``); pieces already rendered are :class:`Html` strings and pass unchanged.
The page is self-contained: CSS inline, images as ``data:`` URIs, no script,
and a Content-Security-Policy that forbids loading anything else.

Examples
--------
>>> rows = table(["name", "value"], [["<b>", 1.5], [Html("<i>x</i>"), None]])
>>> rows[rows.index("<tbody>"):].split("</tr>")
['<tbody><tr><td>&lt;b&gt;</td><td class="num">1.5</td>',
 '<tr><td><i>x</i></td><td class="num">—</td>', '</tbody></table>']
>>> number(1234.56789), number(None), number(True)
('1234.57', '—', 'yes')
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass


class Html(str):
    """Text that is already HTML (escaped where needed); :func:`escape` leaves it alone."""

    __slots__ = ()


def escape(value: object) -> Html:
    """``value`` as HTML text: ``<``, ``>``, ``&`` and quotes escaped (Html passes through).

    >>> escape("a<b & 'c'")
    'a&lt;b &amp; &#x27;c&#x27;'
    """
    if isinstance(value, Html):
        return value
    return Html(html.escape(str(value), quote=True))


def number(value: object, digits: int = 6) -> str:
    """A cell's text: numbers to ``digits`` significant digits, booleans yes/no, None as —."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:.{digits}g}"
    return str(value)


def _cell(value: object) -> Html:
    if isinstance(value, Html):
        return Html(f"<td>{value}</td>")
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return Html(f'<td class="num">{escape(number(value))}</td>')
    return Html(f"<td>{escape(number(value))}</td>")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], caption: str = "") -> Html:
    """A table; numbers right-aligned, every other value escaped unless it is Html."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    caption_html = f"<caption>{escape(caption)}</caption>" if caption else ""
    return Html(f"<table>{caption_html}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def badge(status: str) -> Html:
    """A status as a colored label (``optimal`` green, ``feasible`` blue, failures red)."""
    return Html(f'<span class="status s-{escape(status)}">{escape(status)}</span>')


def figure(uri: str, alt: str, caption: str = "") -> Html:
    """An image from a ``data:`` URI, with alternative text and a caption."""
    caption_html = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return Html(f'<figure><img src="{escape(uri)}" alt="{escape(alt)}">{caption_html}</figure>')


def paragraph(text: str, css_class: str = "") -> Html:
    """A paragraph of escaped text."""
    attribute = f' class="{css_class}"' if css_class else ""
    return Html(f"<p{attribute}>{escape(text)}</p>")


def heading(text: str, level: int = 3) -> Html:
    """A heading of escaped text."""
    return Html(f"<h{level}>{escape(text)}</h{level}>")


@dataclass(frozen=True)
class Section:
    """One section of the page.

    Attributes
    ----------
    id : str
        The stable ``id`` of the ``<section>`` element (tests and links rely on it).
    title : str
    body : Html
        Its content; empty when there is nothing to show.
    empty : str
        The one line shown instead of an empty body.
    """

    id: str
    title: str
    body: Html
    empty: str

    def render(self) -> Html:
        content = self.body if self.body else paragraph(self.empty, "empty")
        return Html(
            f'<section id="{escape(self.id)}"><h2>{escape(self.title)}</h2>{content}</section>'
        )


STYLE = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  margin: 0; color: #1d2330; background: #f6f7f9; }
header { background: #1f3a5f; color: #fff; padding: 18px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 2px 0; color: #d5deeb; }
nav { background: #fff; border-bottom: 1px solid #dde1e7; padding: 8px 32px; position: sticky;
  top: 0; z-index: 2; }
nav a { margin-right: 16px; color: #1f3a5f; text-decoration: none; font-weight: 600; }
nav a.none { color: #9aa3b0; font-weight: 400; }
main { padding: 8px 32px 40px; max-width: 1500px; }
section { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: 4px 20px 16px;
  margin: 16px 0; }
h2 { font-size: 18px; border-bottom: 1px solid #e6e9ee; padding-bottom: 6px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
table { border-collapse: collapse; margin: 6px 0 10px; font-size: 13px; }
caption { text-align: left; color: #5b6473; padding-bottom: 4px; }
th, td { padding: 3px 10px; border-bottom: 1px solid #e6e9ee; text-align: left;
  vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.status { padding: 1px 7px; border-radius: 9px; font-size: 12px; background: #e6e9ee; }
.s-optimal { background: #d8f0dd; color: #1b5e20; }
.s-feasible { background: #dbe8f7; color: #0d47a1; }
.s-max_time_limit { background: #fff1cc; color: #7a5300; }
.s-infeasible, .s-unbounded, .s-infeasible_or_unbounded, .s-error { background: #fbdada;
  color: #8e1b1b; }
.agree { color: #1b5e20; font-weight: 700; }
.disagree { color: #b71c1c; font-weight: 700; }
.note { color: #5b6473; font-size: 13px; margin: 2px 0; }
.bad { color: #b71c1c; font-weight: 600; }
.empty { color: #7a8391; font-style: italic; }
.grid { display: flex; flex-wrap: wrap; gap: 12px 24px; align-items: flex-start; }
figure { margin: 6px 0; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { color: #5b6473; font-size: 12px; max-width: 760px; }
.members { font-size: 13px; margin: 2px 0 8px; }
"""


_NONE = ' class="none"'


def page(
    title: str,
    subtitle: Sequence[str],
    sections: Sequence[Section],
    inputs: Html,
) -> str:
    """The whole HTML document: header, section links, the sections, the list of inputs."""
    links = "".join(
        f'<a href="#{escape(s.id)}"{"" if s.body else _NONE}>{escape(s.title)}</a>'
        for s in sections
    )
    lines = "".join(f"<p>{escape(line)}</p>" for line in subtitle)
    body = "".join(s.render() for s in sections)
    policy = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><header><h1>{escape(title)}</h1>{lines}</header><nav>{links}</nav>"
        f'<main>{body}<section id="inputs"><h2>Inputs</h2>{inputs}</section></main>'
        "</body></html>\n"
    )
