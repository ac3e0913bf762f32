#!/usr/bin/env bash
# Build docker/Dockerfile for real and run it, on a machine with no outside container registry and no
# Docker engine: podman, on a local stand-in for python:3.7-slim served by a local registry.
#
#   scripts/docker-test.sh            (make docker-test; CI runs it as root)
#
#  1. installs podman, runc, mmdebstrap, skopeo (Debian packages) if missing;
#  2. builds the stand-in base: a minimal Debian bookworm root file system plus this machine's own
#     CPython 3.7 (pyenv), trusting the host's extra CA certificates (this network intercepts TLS);
#     all of that stays here, never in docker/Dockerfile;
#  3. serves it from a registry on 127.0.0.1 (Debian's docker-registry binary, unpacked here, not
#     installed as a service) and pins it there by digest with scripts/pin-base-images.sh, which must
#     also say plainly that it cannot reach the real registries and leave the Dockerfiles alone;
#  4. builds docker/Dockerfile FROM that name:tag@sha256:... with scripts/docker-build.sh, and checks
#     the OCI labels (base name and digest, version, revision);
#  5. shows the .dockerignore in effect: what a COPY of the whole context brings in;
#  6. the run folder volume: a root-owned ./runs (what Docker creates) gives the one-line error at
#     start; the README's command (mkdir -p runs; --user "$(id -u):$(id -g)") trains 200 steps with
#     --network none, as a host user other than 1000, and the artefacts are on the host, theirs;
#     the data cache takes a download whatever the uid;
#  7. signals: `podman stop` during start-up exits 143 at once; `podman stop` mid-run exits 143 with a
#     checkpoint, `--resume` in a new container ends with checkpoint files byte-equal to an
#     uninterrupted run's in the same image (same CPU, --threads 2);
#  8. the CPU dry run of scripts/gpu-smoke.sh inside the image, `tf1gan golden --check` among its checks;
#  9. prints the image's size and its largest layers.
# (make docker-test runs hadolint on both Dockerfiles first: make lint-docker.)
# Skips, saying so and exiting 0, only where podman cannot be installed.
set -euo pipefail
PROJ=$(cd "$(dirname "$0")/.." && pwd)
W=${DOCKER_TEST_DIR:-/var/tmp/tf1gan-docker-test}
IMAGE=localhost/tf1gan:ci
BASE=localhost/python:3.7-local
REGISTRY=127.0.0.1:${DOCKER_TEST_REGISTRY_PORT:-5117}
STOPPED=tf1gan-docker-test-stop
mkdir -p "$W/tmp" "$W/base"
export TMPDIR="$W/tmp" DEBIAN_FRONTEND=noninteractive
say() { echo "### docker-test: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
timed() { local s=$SECONDS; "$@"; say "$(( SECONDS - s ))s: $*"; }
T0=$SECONDS

missing=
for tool in podman runc mmdebstrap skopeo; do command -v "$tool" >/dev/null 2>&1 || missing=yes; done
if [ -n "$missing" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    timed apt-get update -qq
    timed apt-get install -y -qq --no-install-recommends podman runc mmdebstrap uidmap skopeo >/dev/null
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
# the local registry speaks plain http
cat > "$W/registries.conf" <<EOF
[[registry]]
location = "$REGISTRY"
insecure = true
EOF
export CONTAINERS_CONF="$W/containers.conf" CONTAINERS_STORAGE_CONF="$W/storage.conf" \
    CONTAINERS_REGISTRIES_CONF="$W/registries.conf"

registry_pid=
cleanup() {
    podman rm -f "$STOPPED" >/dev/null 2>&1 || true
    if [ -n "$registry_pid" ]; then kill "$registry_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

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

say "--- 3. a local registry serves the base; scripts/pin-base-images.sh pins it by digest"
if [ ! -x "$W/registry/usr/bin/docker-registry" ]; then
    (cd "$W/tmp" && rm -f docker-registry_*.deb && apt-get download -q docker-registry >/dev/null)
    dpkg-deb -x "$W"/tmp/docker-registry_*.deb "$W/registry"
fi
cat > "$W/registry.yml" <<EOF
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $W/registry-data}}
http: {addr: "$REGISTRY"}
EOF
if (exec 3<>"/dev/tcp/${REGISTRY%:*}/${REGISTRY#*:}") 2>/dev/null; then
    fail "$REGISTRY is already taken; set DOCKER_TEST_REGISTRY_PORT to a free port"
fi
"$W/registry/usr/bin/docker-registry" serve "$W/registry.yml" >"$W/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/${REGISTRY%:*}/${REGISTRY#*:}") 2>/dev/null && break
    sleep 0.2
done
timed podman push -q --digestfile "$W/base.digest" "$BASE" "$REGISTRY/tf1gan/python:3.7-local"
mkdir -p "$W/pin"
sed "s|^ARG BASE_IMAGE=.*|ARG BASE_IMAGE=$REGISTRY/tf1gan/python:3.7-local|" "$PROJ/docker/Dockerfile" > "$W/pin/Dockerfile"
"$PROJ/scripts/pin-base-images.sh" "$W/pin/Dockerfile"
PINNED=$(sed -n 's/^ARG BASE_IMAGE=//p' "$W/pin/Dockerfile")
[ "$PINNED" = "$REGISTRY/tf1gan/python:3.7-local@$(cat "$W/base.digest")" ] \
    || fail "pin-base-images.sh wrote $PINNED, the registry's digest is $(cat "$W/base.digest")"
# the real registries cannot be reached from here: it must say so and change nothing
cp "$PROJ/docker/Dockerfile" "$PROJ/docker/Dockerfile.gpu" "$W/pin/"
if "$PROJ/scripts/pin-base-images.sh" "$W/pin/Dockerfile" "$W/pin/Dockerfile.gpu" > "$W/pin/offline.txt"; then
    say "note: a registry was reachable: $(cat "$W/pin/offline.txt")"
else
    cat "$W/pin/offline.txt"
    [ "$(grep -c 'cannot resolve' "$W/pin/offline.txt")" = 2 ] || fail "pin-base-images.sh did not say it cannot resolve both"
    cmp -s "$W/pin/Dockerfile" "$PROJ/docker/Dockerfile" && cmp -s "$W/pin/Dockerfile.gpu" "$PROJ/docker/Dockerfile.gpu" \
        || fail "pin-base-images.sh changed a Dockerfile it could not resolve"
fi

say "--- 4. docker/Dockerfile built FROM $PINNED"
timed env DOCKER=podman "$PROJ/scripts/docker-build.sh" --build-arg BASE_IMAGE="$PINNED" --build-arg FETCH_MNIST=0 -t "$IMAGE"
label() { podman image inspect --format "{{ index .Labels \"org.opencontainers.image.$1\" }}" "$IMAGE"; }
[ "$(label base.name)" = "$PINNED" ] || fail "label base.name is '$(label base.name)'"
[ "$(label base.digest)" = "$(cat "$W/base.digest")" ] || fail "label base.digest is '$(label base.digest)'"
[ "$(label version)" = "$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$PROJ/tf1gan/__init__.py")" ] || fail "label version"
case $(label revision) in "$(git -C "$PROJ" rev-parse HEAD)"*) ;; *) fail "label revision is '$(label revision)'" ;; esac
say "labels: base.name $(label base.name), base.digest $(label base.digest), version $(label version), revision $(label revision)"

say "--- 5. the .dockerignore in effect: what COPY . brings in"
printf 'FROM %s\nCOPY . /context\n' "$BASE" > "$W/context.Containerfile"
podman build -q -f "$W/context.Containerfile" -t localhost/tf1gan-context:ci "$PROJ" >/dev/null
podman run --rm --network none localhost/tf1gan-context:ci sh -c \
    'cd /context && find . -type f | sort > /tmp/files && echo "$(wc -l < /tmp/files) files, $(du -sk . | cut -f1) KiB" &&
     ! grep -E "^\./(\.git|\.venv|runs|build|tests/test_|docs)|__pycache__|\.pyc$|egg-info" /tmp/files &&
     for p in setup.py README.md docker/requirements.lock docker/entrypoint.sh scripts/gpu-smoke.sh tf1gan/cli.py tests/golden; do
         [ -e "$p" ] || { echo "missing from the context: $p"; exit 1; }; done' > "$W/context.txt" \
    || fail "the build context is not what .dockerignore says: $(cat "$W/context.txt")"
podman rmi -f localhost/tf1gan-context:ci >/dev/null
say "build context: $(cat "$W/context.txt") with .dockerignore; the checkout itself holds $(du -sk "$PROJ" | cut -f1) KiB"

say "--- 6. the run folder volume"
rm -rf "$W/host" && mkdir -p "$W/host/runs"  # root-owned, as Docker creates a missing ./runs
set +e
podman run --rm --network none -v "$W/host/runs:/runs" "$IMAGE" train --steps 200 2> "$W/unwritable.txt"
code=$?
set -e
cat "$W/unwritable.txt"
[ "$code" = 4 ] || fail "an unwritable /runs exited $code, not 4"
[ "$(wc -l < "$W/unwritable.txt")" = 1 ] && grep -q '^tf1gan: error: /runs is not writable by uid 1000; ' "$W/unwritable.txt" \
    || fail "an unwritable /runs did not give the one-line error"
[ -z "$(ls -A "$W/host/runs")" ] || fail "something was written into the unwritable /runs"
# the README's command, as a host user (uid 4321) would type it: mkdir -p runs, then --user "$(id -u):$(id -g)"
rm -rf "$W/host" && mkdir -p "$W/host/runs" && chown 4321:4321 "$W/host/runs"
(cd "$W/host" && timed podman run --rm --network none --user 4321:4321 -v "$PWD/runs:/runs" "$IMAGE" train \
    --steps 200 --out /runs/ci --sample-every 100 --checkpoint-every 100 --monitor-every 100)
for f in config.json metrics.jsonl loss_curve.png samples/step_000200.png checkpoints/checkpoint; do
    [ -s "$W/host/runs/ci/$f" ] || fail "$f missing from the run folder on the host"
done
ls "$W/host/runs/ci"/events.out.tfevents.* >/dev/null
[ "$(stat -c %u "$W/host/runs/ci/config.json")" = 4321 ] || fail "the run's files do not belong to the user who ran it"
python3 - "$W/host/runs/ci" <<'EOF'
import json, sys
records = [json.loads(l) for l in open(sys.argv[1] + "/metrics.jsonl")]
assert records[-1]["step"] == 200, records[-1]
assert any("classifier_score" in r for r in records)
print("run folder on the host: %d metric records, last %s" % (len(records), records[-1]))
EOF
# the data cache: a download gets as far as the network (none here), whatever the uid
for user in 1000:1000 4321:4321; do
    if podman run --rm --network none --user "$user" "$IMAGE" data --fetch fashion_mnist 2> "$W/fetch.txt"; then
        fail "a download worked with --network none"
    fi
    grep -q 'download failed' "$W/fetch.txt" && ! grep -q 'cannot write' "$W/fetch.txt" \
        || fail "the data cache is not writable by uid $user: $(cat "$W/fetch.txt")"
done
say "the data cache takes downloads as uid 1000 and 4321 (--network none stops them at the network)"

say "--- 7. signals: podman stop, then --resume"
rm -rf "$W/signals" && mkdir -p "$W/signals" && chown 1000:1000 "$W/signals"
RUN_ARGS=(--steps 300 --threads 2 --seed 7 --log-every 10 --checkpoint-every 300 --sample-every 300 --monitor-every 0)
# during start-up (Python importing TensorFlow, no handler yet): the init passes SIGTERM on, no 10 s wait
podman run -d --name "$STOPPED" --network none -v "$W/signals:/runs" "$IMAGE" train --out /runs/early "${RUN_ARGS[@]}" >/dev/null
sleep 1
s=$SECONDS
podman stop -t 30 "$STOPPED" >/dev/null
code=$(podman wait "$STOPPED")
podman rm "$STOPPED" >/dev/null
[ "$code" = 143 ] && [ $(( SECONDS - s )) -lt 10 ] || fail "stopped during start-up: exit $code after $(( SECONDS - s ))s"
say "stopped during start-up: exit 143 after $(( SECONDS - s ))s"
timed podman run --rm --network none -v "$W/signals:/runs" "$IMAGE" train --out /runs/whole "${RUN_ARGS[@]}" > /dev/null
podman run -d --name "$STOPPED" --network none -v "$W/signals:/runs" "$IMAGE" train --out /runs/stopped "${RUN_ARGS[@]}" >/dev/null
for _ in $(seq 600); do
    grep -qE '"step": 50[,}]' "$W/signals/stopped/metrics.jsonl" 2>/dev/null && break
    sleep 0.1
done
s=$SECONDS
podman stop -t 60 "$STOPPED" >/dev/null
code=$(podman wait "$STOPPED")
took=$(( SECONDS - s ))
podman logs "$STOPPED" 2>&1 | tail -n 1
podman rm "$STOPPED" >/dev/null
[ "$code" = 143 ] || fail "podman stop mid-run: exit $code, not 143"
at=$(sed -n 's/^model_checkpoint_path: ".*model\.ckpt-\([0-9]*\)"$/\1/p' "$W/signals/stopped/checkpoints/checkpoint")
[ -n "$at" ] && [ "$at" -gt 0 ] && [ "$at" -lt 300 ] || fail "no mid-run checkpoint after podman stop (latest: ${at:-none})"
say "podman stop mid-run: exit 143 after ${took}s, checkpoint at step $at"
timed podman run --rm --network none -v "$W/signals:/runs" "$IMAGE" train --out /runs/stopped --resume > /dev/null
for f in "$W/signals/whole/checkpoints/model.ckpt-300".*; do
    cmp "$f" "$W/signals/stopped/checkpoints/${f##*/}" || fail "resumed and uninterrupted runs differ: ${f##*/}"
done
say "stopped at step $at and resumed: the step-300 checkpoint files equal the uninterrupted run's, byte for byte"

say "--- 8. the GPU smoke test's CPU dry run (its golden check included), inside the image"
rm -rf "$W/smoke" && mkdir -p "$W/smoke" && chown 1000:1000 "$W/smoke"
timed podman run --rm --network none -v "$PROJ/scripts/gpu-smoke.sh:/usr/local/bin/gpu-smoke:ro" -v "$W/smoke:/smoke" \
    --entrypoint gpu-smoke "$IMAGE" --device cpu --steps 50 --out /smoke \
    || { tail -n 20 "$W/smoke"/*.txt "$W/smoke"/*.log >&2; fail "the GPU smoke test's CPU dry run (its logs above)"; }

say "--- 9. the image"
podman history --format json "$IMAGE" | python3 -c '
import json, sys
layers = sorted(json.load(sys.stdin), key=lambda layer: -layer["size"])
print("%s: %.0f MB in %d layers; the largest:" % (sys.argv[1], sum(l["size"] for l in layers) / 1e6, len(layers)))
for layer in layers[:5]:
    print("%8.1f MB  %s" % (layer["size"] / 1e6, " ".join(layer["CreatedBy"].split())[:100]))
' "$IMAGE" >&2
say "OK in $(( SECONDS - T0 ))s: $IMAGE built FROM $PINNED; unwritable /runs refused in one line; the README's command trained; stopped and resumed bitwise; GPU smoke test (CPU dry run, golden check included) passed"
