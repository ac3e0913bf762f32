#!/usr/bin/env bash
# Pin the Dockerfiles' base images by digest: for each file's `ARG BASE_IMAGE=name:tag[@sha256:...]`,
# ask the registry what the tag points to now (skopeo inspect: the digest of the tag's top-level
# manifest, a multi-architecture index where there is one) and write `name:tag@sha256:...` back.
#
#   scripts/pin-base-images.sh [DOCKERFILE...]     (default: docker/Dockerfile docker/Dockerfile.gpu)
#
# Needs skopeo (Debian: apt-get install skopeo) and a reachable registry. A tag that cannot be
# resolved is said so, on one line naming it and the registry's answer, and its file is left as it
# was; the exit code is then 1. Registry settings (mirrors, insecure local registries) come from
# containers-registries.conf(5), or from the file CONTAINERS_REGISTRIES_CONF names (skopeo 1.9 reads
# that variable only when told with --registries-conf, so it is passed on).
set -euo pipefail
PROJ=$(cd "$(dirname "$0")/.." && pwd)
say() { echo "pin-base-images: $*"; }

[ $# -gt 0 ] || set -- "$PROJ/docker/Dockerfile" "$PROJ/docker/Dockerfile.gpu"
if ! command -v skopeo >/dev/null 2>&1; then
    say "cannot resolve any digest: skopeo is not installed (apt-get install skopeo); nothing changed"
    exit 1
fi

skopeo=(skopeo)
[ -z "${CONTAINERS_REGISTRIES_CONF:-}" ] || skopeo+=(--registries-conf "$CONTAINERS_REGISTRIES_CONF")

failed=0
for file in "$@"; do
    line=$(grep -E '^ARG BASE_IMAGE=' "$file") || { say "$file: no 'ARG BASE_IMAGE=' line"; failed=1; continue; }
    ref=${line#ARG BASE_IMAGE=}
    name=${ref%%@*}
    if ! answer=$("${skopeo[@]}" inspect --format '{{.Digest}}' "docker://$name" 2>&1); then
        say "$file: cannot resolve $name ($(echo "$answer" | tail -n 1)); left as it was: $ref"
        failed=1
        continue
    fi
    case $answer in
        sha256:*) ;;
        *) say "$file: $name: unexpected answer from skopeo: $answer"; failed=1; continue ;;
    esac
    sed -i "s|^ARG BASE_IMAGE=.*|ARG BASE_IMAGE=$name@$answer|" "$file"
    if [ "$ref" = "$name@$answer" ]; then
        say "$file: $name@$answer (unchanged)"
    else
        say "$file: $name@$answer (was $ref)"
    fi
done
exit "$failed"
