"""What an installed tf1gan (pip install ., the Docker image) carries: every data file the code reads."""

import fnmatch
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_every_package_data_file_is_declared_in_setup_py():
    setup = open(os.path.join(ROOT, "setup.py")).read()
    patterns = re.findall(r'"([^"]+)"', re.search(r"package_data=\{[^}]*\}", setup).group(0))[1:]
    package = os.path.join(ROOT, "tf1gan")
    for folder, dirs, names in os.walk(package):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in names:
            if name.endswith((".py", ".pyc")):
                continue
            rel = os.path.relpath(os.path.join(folder, name), package)
            assert any(fnmatch.fnmatch(rel, p) for p in patterns), "%s is not in setup.py's package_data" % rel
