#!/usr/bin/env bash
# The GPU images run tf1gan on Python 3.8 (NVIDIA's TF 1.15.5 build, the default
# base) or 3.6 (tensorflow/tensorflow:1.15.5-gpu-py3). No GPU runs TF 1.x here,
# so check what can be checked on this CPU machine:
#   3.6: the images' bootstrap lock (pip, dumb-init), tf1gan and the GPU image's
#        hashed requirements install beside the stock TensorFlow 1.15.5 wheel and
#        pass `pip check`; train a few steps, sample, pass the golden check;
#   3.8: no stock TF 1.15 wheel exists for 3.8 (NVIDIA builds their own), so the
#        bootstrap lock, the hashed requirements and tf1gan install and pass
#        `pip check`, every module compiles, and the TensorFlow-free modules load
#        and read the embedded data.
# A Python that cannot be found is skipped with a message.
set -euo pipefail
PROJ=$(cd "$(dirname "$0")/.." && pwd)
W=${CHECK_PYTHONS_DIR:-/var/tmp/tf1gan-gpu-pythons}
say() { echo "### check-gpu-pythons: $*"; }

venv() {  # venv VERSION INTERPRETER -> prints the venv's python, with pip (and dumb-init) from the images' bootstrap lock
    rm -rf "$W/$1" && mkdir -p "$W"
    "$2" -m venv "$W/$1"
    "$W/$1/bin/python" -m pip install --quiet --no-deps --require-hashes -r "$PROJ/docker/requirements-bootstrap.lock" >&2
    echo "$W/$1/bin/python"
}

if PY=$("$PROJ/scripts/find-python" 3.6 2>/dev/null); then
    PY=$(venv 3.6 "$PY")
    # protobuf 3.19 is the last release for Python 3.6
    "$PY" -m pip install --quiet tensorflow==1.15.5 protobuf==3.19.6 numpy==1.18.5
    "$PY" -m pip install --quiet --no-deps --require-hashes -r "$PROJ/docker/requirements-gpu.lock"
    "$PY" -m pip install --quiet --no-deps "$PROJ"
    "$PY" -m pip check  # as the GPU image's build does
    (cd "$W" && export TF1GAN_GOLDEN="$PROJ/tests/golden" &&
        "$W/3.6/bin/tf1gan" train --steps 30 --out "$W/run36" --force --checkpoint-every 30 --sample-every 30 \
            --monitor-every 30 >/dev/null &&
        "$W/3.6/bin/tf1gan" sample --run "$W/run36" --n 20 --out "$W/s36.npy" --force &&
        "$W/3.6/bin/tf1gan" golden --check)
    # Python's version is recorded but not part of the golden key: show that it changes no bit. Snapshots
    # made by this checkout's Python 3.7 environment on this machine must match 3.6's bitwise, every one.
    if [ -x "$PROJ/.venv/bin/tf1gan" ]; then
        rm -rf "$W/golden37"
        "$PROJ/.venv/bin/tf1gan" golden --update --dir "$W/golden37" >/dev/null
        out=$("$W/3.6/bin/tf1gan" golden --check --dir "$W/golden37")
        echo "$out" | grep -E "^(structure|outputs|trace|listing)" >&2
        n=$(echo "$out" | grep -cE "^(structure|outputs|trace|listing)[a-z_]* +[-0-9.e]+ +bitwise \(same CPU, threads and versions\)$" || true)
        total=$(find "$W/golden37" -name '*.json' | wc -l)
        [ "$n" = "$total" ] || { say "3.6 FAILED: Python 3.6 and 3.7 snapshots are not bitwise equal on this machine"; exit 1; }
        say "3.6 and 3.7: all $total snapshots bitwise equal on this machine (Python's version changes no bit)"
    fi
    say "3.6 OK: installed, pip check passed, trained, sampled, golden check passed"
else
    say "3.6 SKIPPED: no CPython 3.6 here"
fi

if PY=$("$PROJ/scripts/find-python" 3.8 2>/dev/null); then
    PY=$(venv 3.8 "$PY")
    "$PY" -m pip install --quiet numpy==1.18.5
    "$PY" -m pip install --quiet --no-deps --require-hashes -r "$PROJ/docker/requirements-gpu.lock"
    "$PY" -m pip install --quiet --no-deps "$PROJ"
    "$PY" -m pip check
    "$PY" -m compileall -q "$W/3.8/lib/python3.8/site-packages/tf1gan" >/dev/null
    "$PY" -c "from tf1gan import config, data, plots; d = data.load('mnist10k'); print('3.8:', config.Config().arch, d.train.images.shape)"
    say "3.8 OK: installed, pip check passed, compiled, TensorFlow-free modules loaded the embedded data"
else
    say "3.8 SKIPPED: no CPython 3.8 here"
fi
