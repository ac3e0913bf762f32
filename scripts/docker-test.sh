#!/usr/bin/env bash
# Build docker/Dockerfile for real and run it, on a machine with no container
# registry and no Docker engine: podman on a local stand-in for python:3.7-slim.
#
#   scripts/docker-test.sh            (make docker-test; CI runs it as root)
#
# 1. installs podman, runc, mmdebstrap (Debian packages) if missing;
# 2. builds the stand-in base: a minimal Debian bookworm root file system plus
#    this machine's own CPython 3.7 (pyenv), trusting the host's extra CA
#    certificates (this network intercepts TLS); all of that stays here, never
#    in docker/Dockerfile;
# 3. builds docker/Dockerfile with --build-arg BASE_IMAGE=<stand-in>;
# 4. runs `train --steps 200` in it with --network none and a mounted run folder,
#    checks the artefacts on the host, runs `tf1gan golden --check` in the image;
# (make docker-test runs hadolint on both Dockerfiles first: make lint-docker.)
# Skips, saying so and exiting 0, only where podman cannot be installed.
set -euo pipefail
PROJ=$(cd "$(dirname "$0")/.." && pwd)
W=${DOCKER_TEST_DIR:-/var/tmp/tf1gan-docker-test}
IMAGE=localhost/tf1gan:ci
BASE=localhost/python:3.7-local
mkdir -p "$W/tmp" "$W/base"
export TMPDIR="$W/tmp" DEBIAN_FRONTEND=noninteractive
say() { echo "### docker-test: $*" >&2; }
timed() { local s=$SECONDS; "$@"; say "$(( SECONDS - s ))s: $*"; }

if ! command -v podman >/dev/null 2>&1 || ! command -v runc >/dev/null 2>&1 || ! command -v mmdebstrap >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        timed apt-get update -qq
        timed apt-get install -y -qq --no-install-recommends podman runc mmdebstrap uidmap >/dev/null
    fi
fi
if ! command -v podman >/dev/null 2>&1; then
    say "SKIPPED: podman is not installed and cannot be installed here (needs root and apt-get)"
    exit 0
fi

# This VM: crun refuses hybrid cgroups, so runc; root cannot raise rlimits
# (no CAP_SYS_RESOURCE), so container limits must stay within the host's.
cat > "$W/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
cat > "$W/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$W/storage"
runroot = "$W/run"
EOF
export CONTAINERS_CONF="$W/containers.conf" CONTAINERS_STORAGE_CONF="$W/storage.conf"

if ! podman image exists "$BASE"; then
    PY37=${PY37:-$(dirname "$(dirname "$("$PROJ/scripts/find-python" 3.7)")")}
    # the archive this machine's apt uses (deb822 "URIs:" lines), not its security mirror
    MIRROR=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1 || true)
    [ -s "$W/rootfs.tar" ] || timed mmdebstrap --variant=minbase --quiet \
        --include=ca-certificates,netbase,libssl3,libsqlite3-0,libreadline8,libexpat1,libnsl2,libffi8,libgdbm6,liblzma5,libbz2-1.0,zlib1g \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' bookworm "$W/rootfs.tar" ${MIRROR:+"$MIRROR"}
    timed podman import -q --change 'CMD ["bash"]' "$W/rootfs.tar" localhost/debian:bookworm-local >/dev/null
    rm -rf "$W/base/py37" "$W/base/ca"
    mkdir -p "$W/base/py37" "$W/base/ca"
    tar -C "$PY37" --exclude='./lib/python3.7/site-packages/*' --exclude='./lib/python3.7/test' \
        --exclude='*/__pycache__' --exclude='./bin/pip*' --exclude='./bin/easy_install*' \
        --exclude='./lib/python3.7/config-3.7m-x86_64-linux-gnu/libpython3.7m.a' -cf - . | tar -C "$W/base/py37" -xf -
    cp /usr/local/share/ca-certificates/*.crt "$W/base/ca/" 2>/dev/null || true
    cat > "$W/base/Containerfile" <<'EOF'
FROM localhost/debian:bookworm-local
COPY ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates
ENV LANG=C.UTF-8 PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
COPY py37/ /usr/local/
RUN ldconfig && python3.7 -m ensurepip --default-pip && ln -sf pip3.7 /usr/local/bin/pip \
 && ln -sf python3.7 /usr/local/bin/python \
 && python -c 'import ssl, sqlite3, ctypes, bz2, lzma, zlib; print("python ok")'
CMD ["python3"]
EOF
    timed podman build -q -t "$BASE" "$W/base" >/dev/null
fi

timed podman build --build-arg BASE_IMAGE="$BASE" --build-arg FETCH_MNIST=0 -t "$IMAGE" -f "$PROJ/docker/Dockerfile" "$PROJ"

RUNS="$W/runs"
rm -rf "$RUNS" && mkdir -p "$RUNS" && chown 1000:1000 "$RUNS"
timed podman run --rm --network none -v "$RUNS:/runs" "$IMAGE" train --steps 200 --out /runs/ci \
    --sample-every 100 --checkpoint-every 100 --monitor-every 100
for f in config.json metrics.jsonl loss_curve.png samples/step_000200.png checkpoints/checkpoint; do
    [ -s "$RUNS/ci/$f" ] || { say "FAILED: $f missing from the run folder on the host"; exit 1; }
done
ls "$RUNS/ci"/events.out.tfevents.* >/dev/null
python3 - "$RUNS/ci" <<'EOF'
import json, sys
records = [json.loads(l) for l in open(sys.argv[1] + "/metrics.jsonl")]
assert records[-1]["step"] == 200, records[-1]
assert any("classifier_score" in r for r in records)
print("run folder on the host: %d metric records, last %s" % (len(records), records[-1]))
EOF
timed podman run --rm --network none "$IMAGE" golden --check
say "OK: built $IMAGE on $BASE, trained 200 steps, golden snapshots match inside the image"
