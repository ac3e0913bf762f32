#!/bin/sh
# The images' entrypoint, started by dumb-init (PID 1), which forwards SIGTERM and SIGINT to tf1gan
# wherever it is, so `docker stop` saves a checkpoint and exits 143 instead of being ignored by a
# PID-1 Python until the kill.
#
# Before `tf1gan train` writes into the run folder volume, check that this user can create a file
# there: a mounted folder Docker created itself belongs to root, and the image's user (uid 1000)
# would otherwise fail only once TensorFlow has started. Other commands write only where their --out
# says, and tf1gan reports an unwritable one itself.
#
# Then run tf1gan, through NVIDIA's entrypoint (driver check, licence banner) where the base has one.
set -eu

runs=${TF1GAN_RUNS:-/runs}
if [ "${1:-}" = train ]; then
    out= prev= check=yes
    for arg in "$@"; do
        [ "$prev" = --out ] && out=$arg
        case $arg in
            --out=*) out=${arg#--out=} ;;
            -h | --help) check=no ;;
        esac
        prev=$arg
    done
    # relative --out paths land in the working directory, /runs; an absolute one elsewhere is not ours to check
    case $out in /*) case $out/ in "$runs"/*) ;; *) check=no ;; esac ;; esac
    if [ "$check" = yes ]; then
        if ! probe=$(mktemp "$runs/.tf1gan-write-check.XXXXXX" 2>/dev/null); then
            echo "tf1gan: error: $runs is not writable by uid $(id -u); create the host folder yourself" \
                "before docker run (mkdir -p runs: a folder Docker creates belongs to root) and run as its owner" \
                "(docker run --user \"\$(id -u):\$(id -g)\" -v \"\$PWD/runs:$runs\" ...)" >&2
            exit 4
        fi
        rm -f "$probe"
    fi
fi

if [ -x /opt/nvidia/nvidia_entrypoint.sh ]; then
    exec /opt/nvidia/nvidia_entrypoint.sh tf1gan "$@"
fi
exec tf1gan "$@"
