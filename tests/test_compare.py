"""tf1gan compare, end to end on a few steps (slow: it trains three versions and evaluates them)."""

import os

import pytest

from helpers import run_cli


@pytest.mark.slow
def test_compare_writes_both_reports(tmp_path):
    out = str(tmp_path / "cmp")
    proc = run_cli("compare", "--out", out, "--steps", "40")
    assert proc.returncode == 0, proc.stderr
    # the terminal summary names every version and what the listing raised
    for text in (
        "listing, as printed",
        "ValueError at line 30",
        "edits: hidden_784",
        "tf1gan (default)",
        "tf1gan --arch article",
    ):
        assert text in proc.stdout, text
    # of the listing's four variables (W1, b1 shared by G and D; W2, b2) only W2 and b2 ever move
    edited_row = next(line for line in proc.stdout.splitlines() if line.startswith("edits: hidden_784"))
    assert "2 of 4" in edited_row, edited_row
    md = open(os.path.join(out, "report.md"), encoding="utf-8").read()
    page = open(os.path.join(out, "report.html"), encoding="utf-8").read()
    for doc in (md, page):
        for text in (
            "Dimensions must be equal",
            "hidden_784",
            "wrong sign in the D loss",
            "only D is trained",
            "test_only_w2_and_b2_ever_change",
            "classifier score",
            "real held-out",
            "W2, b2",
        ):
            assert text in doc, text
    assert page.count("data:image/png;base64,") == 2 and "<img" in page and "src='losses.png'" not in page
    for name in ("losses.png", "samples.png"):
        assert open(os.path.join(out, name), "rb").read(4) == b"\x89PNG"
