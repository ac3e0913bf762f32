"""Rendering an HTML page in headless Chromium and measuring it (test helper).

``render(path)`` opens a copy of the page with a measuring script added, at
1280 px wide, and returns what the script found: elements wider than the
viewport, images that did not load, and whether CJK characters of the page are
drawn with real glyphs (each different from the others and from the glyph of a
private-use character, which no font has: a missing font draws every one of
them as the same box).

Where Chromium is missing the browser tests skip, unless ``TF1GAN_REQUIRE_BROWSER=1``
(set by ``.ci/run``), which turns a missing browser into a failure.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest

WIDTH = 1280
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=10000",
)

_SCRIPT = r"""
<script>
window.addEventListener('load', function () {
  var width = document.documentElement.clientWidth, wide = [];
  document.querySelectorAll('body *').forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > width + 0.5 || r.left < -0.5)) {
      wide.push(el.tagName + ' ' + Math.round(r.left) + '..' + Math.round(r.right) + ': ' +
                (el.textContent || el.getAttribute('alt') || '').slice(0, 60));
    }
  });
  var images = Array.prototype.map.call(document.images, function (im) {
    return {alt: (im.getAttribute('alt') || '').slice(0, 40), ok: im.complete && im.naturalWidth > 0};
  });
  var family = getComputedStyle(document.body).fontFamily;
  function glyph(ch) {
    var c = document.createElement('canvas'); c.width = 48; c.height = 48;
    var g = c.getContext('2d'); g.font = '40px ' + family; g.fillText(ch, 2, 40);
    return c.toDataURL();
  }
  var seen = [], text = document.body.innerText;
  for (var i = 0; i < text.length && seen.length < 12; i++) {
    var ch = text[i];
    if (ch >= '\u4e00' && ch <= '\u9fff' && seen.indexOf(ch) < 0) seen.push(ch);
  }
  var missing = glyph('\ue000'), blank = glyph(' ');
  var drawn = seen.map(glyph);
  var cjk = {count: seen.length, distinct: new Set(drawn).size,
             like_missing: drawn.filter(function (d) { return d === missing || d === blank; }).length};
  var out = document.createElement('pre');
  out.id = 'tf1gan-check';
  out.textContent = JSON.stringify({width: width, scroll_width: document.documentElement.scrollWidth,
                                    wide: wide, images: images, cjk: cjk});
  document.body.appendChild(out);
});
</script>
"""


def chromium():
    """The Chromium executable, or skip (fail under TF1GAN_REQUIRE_BROWSER=1) when there is none."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    message = "no Chromium here (apt-get install chromium fonts-noto-cjk)"
    if os.environ.get("TF1GAN_REQUIRE_BROWSER") == "1":
        pytest.fail(message + "; TF1GAN_REQUIRE_BROWSER=1 requires it")
    pytest.skip(message)


def render(path, env=None):
    """Measure the page at ``path`` in headless Chromium, 1280 px wide; return the script's findings."""
    browser = chromium()
    work = tempfile.mkdtemp(prefix="tf1gan-browser-")
    try:
        with open(path, encoding="utf-8") as f:
            page = f.read()
        page = page.replace("</body>", _SCRIPT + "</body>", 1) if "</body>" in page else page + _SCRIPT
        copy = os.path.join(work, "page.html")
        with open(copy, "w", encoding="utf-8") as f:
            f.write(page)
        proc = subprocess.run(
            [browser]
            + list(FLAGS)
            + ["--user-data-dir=" + os.path.join(work, "profile"), "--window-size=%d,900" % WIDTH, "--dump-dom"]
            + ["file://" + copy],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            universal_newlines=True,
            timeout=120,
            env=dict(os.environ, **(env or {})),
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    found = re.search(r"<pre id=\"tf1gan-check\">(.*?)</pre>", proc.stdout, re.S)
    assert found, "Chromium did not run the measuring script (exit %d): %s" % (proc.returncode, proc.stderr[-500:])
    text = found.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return json.loads(text)
