"""The report's document: headings, paragraphs, tables and figures, and the
two renderings of it, one self-contained HTML page (figures embedded as data:
URIs, styles inline, no scripts) and Markdown (figures as files beside it).

Pure Python 3 standard library.
"""

import base64
import html
import os
import re

# Blocks that both renderers understand.

class Heading:
    def __init__(self, level, text, anchor=None):
        self.level, self.text, self.anchor = level, text, anchor


class Para:
    def __init__(self, text):
        self.text = text


class Table:
    def __init__(self, header, rows, cls=""):
        self.header, self.rows, self.cls = header, rows, cls


class Figure:
    def __init__(self, path, alt):
        self.path, self.alt = path, alt


NUMERIC = re.compile(r"^[−+-]?[\d.,]+( ?(%|x|µs|KiB|MiB|GiB))?$|^—$")

CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1250px; padding: 0 1em;
       color: #222; background: #fff; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; vertical-align: top; }
th { background: #f0f0f0; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
table.kv td:first-child { font-weight: 600; }
table.wide td { word-break: break-word; }
figure { margin: 0.5em 0 1.5em; }
figcaption { color: #666; font-size: 0.85em; }
img { max-width: 100%; height: auto; display: block; }
"""


def render_html(title, blocks, outdir):
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>%s</title><style>%s</style></head><body>" % (html.escape(title), CSS)]
    for b in blocks:
        if isinstance(b, Heading):
            anchor = ' id="%s"' % html.escape(b.anchor) if b.anchor else ""
            out.append("<h%d%s>%s</h%d>" % (b.level, anchor, html.escape(b.text), b.level))
        elif isinstance(b, Para):
            out.append("<p>%s</p>" % html.escape(b.text))
        elif isinstance(b, Table):
            cls = ' class="%s"' % b.cls if b.cls else ""
            out.append("<table%s><thead><tr>%s</tr></thead><tbody>" % (
                cls, "".join("<th>%s</th>" % html.escape(h) for h in b.header)))
            for row in b.rows:
                out.append("<tr>%s</tr>" % "".join(
                    '<td class="n">%s</td>' % html.escape(c) if NUMERIC.match(c) and i and b.cls != "kv" else
                    "<td>%s</td>" % html.escape(c) for i, c in enumerate(row)))
            out.append("</tbody></table>")
        elif isinstance(b, Figure):
            with open(b.path, "rb") as f:
                data = base64.b64encode(f.read()).decode("ascii")
            out.append('<figure><img alt="%s" src="data:image/png;base64,%s"><figcaption>%s'
                       "</figcaption></figure>" % (html.escape(b.alt), data,
                                                   html.escape(os.path.relpath(b.path, outdir))))
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def md_cell(text):
    return text.replace("|", "\\|") or " "


def render_md(title, blocks, outdir):
    out = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append("%s %s\n" % ("#" * b.level, b.text))
        elif isinstance(b, Para):
            out.append(b.text + "\n")
        elif isinstance(b, Table):
            out.append("| %s |" % " | ".join(md_cell(h) for h in b.header))
            out.append("|%s|" % "|".join("---:" if i and all(NUMERIC.match(r[i]) for r in b.rows)
                                          else "---" for i in range(len(b.header))))
            out += ["| %s |" % " | ".join(md_cell(c) for c in row) for row in b.rows]
            out.append("")
        elif isinstance(b, Figure):
            out.append("![%s](%s)\n" % (b.alt, os.path.relpath(b.path, outdir)))
    return "\n".join(out)
