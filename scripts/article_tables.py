"""The fix ladder's or leave-one-out's table in Markdown, drawn from a ``tf1gan compare`` tables.json.

    python scripts/article_tables.py FILE.json --table ladder|loo [--lang en|zh]

The docs' tables (docs/article.md, docs/article.zh.md) are this script's output from the committed
docs/measurements/article-tables.json (tests/test_article_docs.py checks it), drawn by the code that draws
compare's report, so a figure in them can be traced to the run (command, commit, machine) that made it.
"""

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tf1gan import compare, compare_tables  # noqa: E402
from tf1gan.compare_text import LANGS  # noqa: E402
from tf1gan.report import markdown_table  # noqa: E402


def table(path, which, lang="en"):
    """The Markdown table ``which`` ("ladder" or "loo") of the tables.json at ``path``, in ``lang``."""
    _, ladder, loo = compare_tables.read(path)
    header, rows = compare.ladder_table(ladder, lang) if which == "ladder" else compare.loo_table(ladder[-1], loo, lang)
    return markdown_table(header, rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", help="a tables.json written by tf1gan compare")
    parser.add_argument("--table", required=True, choices=("ladder", "loo"))
    parser.add_argument("--lang", default="en", choices=LANGS)
    args = parser.parse_args()
    print(table(args.file, args.table, args.lang))


if __name__ == "__main__":
    main()
