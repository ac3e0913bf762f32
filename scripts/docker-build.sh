#!/usr/bin/env bash
# Build docker/Dockerfile (or docker/Dockerfile.gpu with --gpu) with its OCI labels filled in:
# version (tf1gan's), revision (this checkout's commit, "-dirty" with uncommitted changes to tracked
# files), source (the git remote "origin", if any), and the base image: base.name is BASE_IMAGE as built,
# base.digest the part of it after "@" (empty when the base is pinned by tag only).
#
#   scripts/docker-build.sh [--gpu] [build options...]
#   scripts/docker-build.sh -t tf1gan
#   scripts/docker-build.sh --gpu -t tf1gan:gpu --build-arg BASE_IMAGE=docker.io/tensorflow/tensorflow:1.15.5-gpu-py3
#
# The client is $DOCKER if set, else docker, else podman; options go to its `build` unchanged.
set -euo pipefail
PROJ=$(cd "$(dirname "$0")/.." && pwd)

file=docker/Dockerfile
if [ "${1:-}" = --gpu ]; then
    file=docker/Dockerfile.gpu
    shift
fi
DOCKER=${DOCKER:-$(command -v docker || command -v podman || echo docker)}

base=$(sed -n 's/^ARG BASE_IMAGE=//p' "$PROJ/$file")
prev=
for arg in "$@"; do
    [ "$prev" = --build-arg ] && case $arg in BASE_IMAGE=*) base=${arg#BASE_IMAGE=} ;; esac
    case $arg in --build-arg=BASE_IMAGE=*) base=${arg#--build-arg=BASE_IMAGE=} ;; esac
    prev=$arg
done
digest=
case $base in *@*) digest=${base#*@} ;; esac

version=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$PROJ/tf1gan/__init__.py")
revision=$(git -C "$PROJ" rev-parse HEAD 2>/dev/null || true)
if [ -n "$revision" ] && ! git -C "$PROJ" diff --quiet HEAD -- 2>/dev/null; then
    revision=$revision-dirty
fi
source=$(git -C "$PROJ" remote get-url origin 2>/dev/null || true)

exec "$DOCKER" build -f "$PROJ/$file" \
    --build-arg BASE_DIGEST="$digest" \
    --build-arg VERSION="$version" \
    --build-arg REVISION="$revision" \
    --build-arg SOURCE="$source" \
    "$@" "$PROJ"
