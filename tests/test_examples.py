"""The example scripts run as documented."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_example(name, *args, cwd):
    return subprocess.run(
        [sys.executable, os.path.join(ROOT, "examples", name)] + list(args),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=600,
    )


def test_python_api_example_trains_and_saves_samples(tmp_path):
    proc = run_example("python_api.py", "30", cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "step    30" in proc.stdout
    assert open(str(tmp_path / "python_api_samples.png"), "rb").read(4) == b"\x89PNG"


def test_article_listing_example_fails_where_documented(tmp_path):
    from tf1gan.tfcompat import IS_TF2

    proc = run_example("article_listing.py", cwd=str(tmp_path))
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    if IS_TF2:  # TensorFlow 2's top-level module has no TF1 API: its fifth line fails
        assert last == "AttributeError: module 'tensorflow' has no attribute 'set_random_seed'"
        assert 'article_listing.py", line 34' in proc.stderr  # the listing's line 6
    else:
        assert last.startswith("ValueError: Dimensions must be equal, but are 256 and 784")
        assert 'article_listing.py", line 58' in proc.stderr  # the listing's line 30
