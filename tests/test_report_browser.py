"""The browser check itself: it finds what it is meant to find, and a report page passes it.

tests/browser.py renders a page in headless Chromium at 1280 px; tests/test_compare.py
applies it to both compare reports. Here it meets pages built to fail each check,
and a report page that stresses what used to overflow (a wide table of long test
names, a picture wider than the page, Chinese text). Without Chromium these skip,
unless TF1GAN_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

import browser
import numpy as np

from tf1gan import plots
from tf1gan.report import Document

# fontconfig that knows only DejaVu: no font with CJK glyphs
NO_CJK_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>%s</cachedir></fontconfig>
"""


def stress_document():
    doc = Document("生成器与判别器：浏览器检查", lang="zh-CN")
    doc.paragraph("判别器的隐藏层也参与训练；`tests/test_listing.py::test_fixed_listing_computes_what_tf1gan_computes`")
    test = "`tests/test_listing.py::test_discriminator_hidden_layer_never_changes`"
    doc.table(["列 %d" % i for i in range(12)], [[test] * 12, ["tf.glorot_uniform_initializer()(shape)"] * 12])
    doc.code("x" * 400)
    doc.image("wide.png", plots.png_bytes(np.zeros((50, 3000), np.float32)), "一张比页面更宽的图")
    return doc


def test_a_report_page_fits_loads_and_draws_its_characters(tmp_path):
    _, page = stress_document().write(str(tmp_path))
    found = browser.render(page)
    assert found["wide"] == [] and found["scroll_width"] == browser.WIDTH
    assert [im["ok"] for im in found["images"]] == [True]
    assert found["cjk"]["count"] == 12 and found["cjk"]["distinct"] == 12 and found["cjk"]["like_missing"] == 0


def test_the_check_finds_a_wide_element_and_a_broken_image(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text("<html><body><table><tr><td>%s</td></tr></table><img src='gone.png'></body></html>" % ("x" * 400))
    found = browser.render(str(page))
    assert any(w.startswith("TD ") for w in found["wide"]) and found["scroll_width"] > browser.WIDTH
    assert [im["ok"] for im in found["images"]] == [False]


def test_the_check_sees_missing_cjk_glyphs(tmp_path):
    _, page = stress_document().write(str(tmp_path))
    config = tmp_path / "fonts.conf"
    config.write_text(NO_CJK_FONTS % (tmp_path / "fc-cache"))
    cjk = browser.render(page, env={"FONTCONFIG_FILE": str(config)})["cjk"]
    assert cjk["count"] == 12 and (cjk["distinct"] < 12 or cjk["like_missing"] > 0)  # boxes, not characters
