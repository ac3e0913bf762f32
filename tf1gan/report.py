"""A small document model rendered both as Markdown (images beside it) and as self-contained HTML.

Reports are written once, as a list of blocks, so the ``.md`` and ``.html``
versions can never say different things.
"""

import base64
import html
import os
import re

from tf1gan.fileio import atomic_write

_CODE = re.compile(r"`([^`]+)`")
# Everything wraps inside the page's width: long test names and code in table cells
# break where they must, preformatted text wraps, images scale down.
_STYLE = (
    "<style>*{box-sizing:border-box}"
    "body{font-family:sans-serif,'Noto Sans CJK SC';max-width:76em;margin:2em auto;padding:0 1em;"
    "line-height:1.45;overflow-wrap:break-word}"
    "table{border-collapse:collapse;margin:1em 0;max-width:100%}"
    "td,th{border:1px solid #bbb;padding:.3em .5em;vertical-align:top}td{overflow-wrap:anywhere}"
    "td.num{white-space:nowrap}"
    "th{background:#eee}code,pre{background:#f4f4f4;overflow-wrap:anywhere}"
    "pre{padding:.6em;white-space:pre-wrap}img{max-width:100%;height:auto}"
    "figure{margin:1em 0}figcaption{font-style:italic}</style>"
)
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
# cells that are one number (or n/a): kept on one line, where text may break anywhere
_NUMBER = re.compile(r"^(?:[-+]?(?:\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?%?|nan|inf)|n/a|—|-)$")


def _cell_html(text):
    attr = " class='num'" if _NUMBER.match(text) else ""
    return "<td%s>%s</td>" % (attr, _inline_html(text))


def _inline_html(text):
    text = html.escape(text)
    text = _CODE.sub(lambda m: "<code>%s</code>" % m.group(1), text)
    return _BOLD.sub(lambda m: "<strong>%s</strong>" % m.group(1), text)


def _cell_md(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(header, rows):
    """A table of strings as Markdown lines (joined by newlines), as a :class:`Document` writes it."""
    lines = ["| " + " | ".join(_cell_md(h) for h in header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(_cell_md(c) for c in row) + " |" for row in rows])


class Document(object):
    """Headings, paragraphs, tables, code blocks and PNG images, in order."""

    def __init__(self, title, lang="en"):
        self.title, self.lang = title, lang
        self.blocks = []

    def heading(self, text, level=2):
        """A section heading."""
        self.blocks.append(("heading", level, text))

    def paragraph(self, text):
        """A paragraph; `code` and **bold** are understood."""
        self.blocks.append(("paragraph", text))

    def table(self, header, rows):
        """A table of strings."""
        self.blocks.append(("table", [str(h) for h in header], [[str(c) for c in r] for r in rows]))

    def code(self, text):
        """A preformatted block."""
        self.blocks.append(("code", text))

    def image(self, name, png, caption):
        """A PNG image (bytes), saved as ``name`` beside the Markdown and embedded in the HTML."""
        self.blocks.append(("image", name, png, caption))

    def markdown(self):
        """The document as Markdown text (images referenced by file name)."""
        out = ["# %s" % self.title, ""]
        for block in self.blocks:
            kind = block[0]
            if kind == "heading":
                out += ["#" * block[1] + " " + block[2], ""]
            elif kind == "paragraph":
                out += [block[1], ""]
            elif kind == "table":
                out += markdown_table(block[1], block[2]).split("\n")
                out.append("")
            elif kind == "code":
                out += ["```", block[1], "```", ""]
            elif kind == "image":
                out += ["![%s](%s)" % (block[3], block[1]), "", "*%s*" % block[3], ""]
        return "\n".join(out)

    def html(self):
        """The document as one self-contained HTML page (images as data URIs)."""
        out = [
            "<!DOCTYPE html>",
            "<html lang='%s'><head><meta charset='utf-8'>" % html.escape(self.lang),
            "<meta name='viewport' content='width=device-width, initial-scale=1'><title>%s</title>"
            % html.escape(self.title),
            _STYLE,
            "</head><body>",
            "<h1>%s</h1>" % html.escape(self.title),
        ]
        for block in self.blocks:
            kind = block[0]
            if kind == "heading":
                out.append("<h%d>%s</h%d>" % (block[1], _inline_html(block[2]), block[1]))
            elif kind == "paragraph":
                out.append("<p>%s</p>" % _inline_html(block[1]))
            elif kind == "table":
                out.append("<table><tr>%s</tr>" % "".join("<th>%s</th>" % _inline_html(h) for h in block[1]))
                out += ["<tr>%s</tr>" % "".join(_cell_html(c) for c in row) for row in block[2]]
                out.append("</table>")
            elif kind == "code":
                out.append("<pre>%s</pre>" % html.escape(block[1]))
            elif kind == "image":
                data = base64.b64encode(block[2]).decode("ascii")
                out.append(
                    "<figure><img alt='%s' src='data:image/png;base64,%s'><figcaption>%s</figcaption>"
                    "</figure>" % (html.escape(block[3]), data, _inline_html(block[3]))
                )
        out.append("</body></html>")
        return "\n".join(out)

    def write(self, folder, stem="report"):
        """Write ``stem.md`` with its PNGs and ``stem.html`` into ``folder``; return both paths."""
        for block in self.blocks:
            if block[0] == "image":
                atomic_write(os.path.join(folder, block[1]), block[2])
        md, page = os.path.join(folder, stem + ".md"), os.path.join(folder, stem + ".html")
        atomic_write(md, self.markdown())
        atomic_write(page, self.html())
        return md, page
