#!/usr/bin/env python3
"""Write a requirements lock with sha256 hashes from PyPI's simple index (PEP 691 JSON).

Input: lines ``name==version`` (optionally ``; marker``), e.g. from ``pip freeze``
in a clean environment that installed only the top-level pins. For every pin,
the hashes of its sdist and of the wheels that can install on the given Python
tags and Linux x86_64 are listed, so ``pip install --require-hashes`` accepts
exactly those files.

    scripts/lock-requirements.py --python cp37 < pins.txt > docker/requirements.lock
"""

import argparse
import json
import re
import ssl
import sys
import urllib.request

INDEX = "https://pypi.org/simple/%s/"


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def files(name):
    request = urllib.request.Request(INDEX % normalise(name), headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(request, timeout=60, context=ssl.create_default_context()) as r:
        return json.load(r)["files"]


def wheel_fits(filename, name, version, pythons):
    """Whether a wheel of ``name==version`` installs on one of ``pythons`` on Linux x86_64."""
    parts = filename[: -len(".whl")].split("-")
    if len(parts) < 5 or normalise(parts[0]) != normalise(name) or parts[1] != version:
        return False
    pytags, plat = parts[-3].split("."), parts[-1]
    python_ok = any(t in pytags for t in pythons) or "py3" in pytags or "py2.py3" in parts[-3]
    return python_ok and (plat == "any" or ("linux" in plat and "x86_64" in plat))


def sdist(filename, name, version):
    for ext in (".tar.gz", ".zip"):
        if filename.endswith(ext):
            stem = filename[: -len(ext)]
            n, _, v = stem.rpartition("-")
            return normalise(n) == normalise(name) and v == version
    return False


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--python", action="append", required=True, help="CPython tag(s) to keep wheels for, e.g. cp37")
    args = p.parse_args()
    for line in sys.stdin:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        pin, _, marker = line.partition(";")
        name, _, version = pin.strip().partition("==")
        hashes = sorted(
            {
                f["hashes"]["sha256"]
                for f in files(name)
                if sdist(f["filename"], name, version)
                or (f["filename"].endswith(".whl") and wheel_fits(f["filename"], name, version, args.python))
            }
        )
        if not hashes:
            sys.exit("no files for %s==%s on PyPI" % (name, version))
        head = "%s==%s" % (normalise(name), version) + (" ; " + marker.strip() if marker.strip() else "")
        print(" \\\n    ".join([head] + ["--hash=sha256:%s" % h for h in hashes]))


if __name__ == "__main__":
    main()
