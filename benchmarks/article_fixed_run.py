"""One full run of examples/article_fixed.py, recorded: what a healthy run prints, and how long it took.

Runs the file as a reader would (its default number of iterations unless given),
in a temporary folder, and writes JSON with the command, the commit, the machine,
the wall and CPU time, the load average before and after, and every line the run
printed. docs/article.md shows those lines; tests/test_article_docs.py checks it.

    python benchmarks/article_fixed_run.py --out docs/measurements/article_fixed_run.json
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cpu_model():
    """The CPU's model name from /proc/cpuinfo (or platform's guess)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv=None):
    """Run the file, print its output as it comes, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=None, help="the file's argument (default: its own)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    command = [sys.executable, os.path.join(ROOT, "examples", "article_fixed.py")]
    command += [str(args.iterations)] if args.iterations else []
    load_before = os.getloadavg()
    start, lines = time.time(), []
    with tempfile.TemporaryDirectory() as folder:
        proc = subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, universal_newlines=True)
        for line in proc.stdout:
            sys.stdout.write(line)
            lines.append(line.rstrip("\n"))
        if proc.wait():
            sys.exit("examples/article_fixed.py failed with exit code %d" % proc.returncode)
    wall = time.time() - start
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, stdout=subprocess.PIPE, universal_newlines=True)
    record = {
        "command": "python " + " ".join(["benchmarks/article_fixed_run.py"] + (argv or sys.argv[1:])),
        "commit": commit.stdout.strip(),
        "machine": "%s, %d cores" % (cpu_model(), os.cpu_count()),
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime, 1),
        "load_average_before_after": [round(load_before[0], 1), round(os.getloadavg()[0], 1)],
        "printed": [line for line in lines if line.startswith("Epoch:")],
    }
    with open(args.out, "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
