#!/usr/bin/env bash
# The GPU smoke test, ready for whoever has a GPU. It runs inside the GPU image (where it is
# /usr/local/bin/gpu-smoke):
#
#   docker run --rm --gpus all --entrypoint gpu-smoke tf1gan:gpu [--steps 300] [--threads N]
#
# and prints one line per check, PASS or FAIL, then a summary; it exits 1 if any check failed.
#   device  the driver, the GPU's name and compute capability (nvidia-smi)
#   env     tf1gan env: TensorFlow sees the GPU; versions, CUDA, cuDNN; TF32 must be off
#   repeat  --steps training steps on the GPU, twice, with TF_DETERMINISTIC_OPS=1: the two final
#           checkpoints (every variable, Adam's moments and the step) must be equal byte for byte
#   golden  tf1gan golden --check: the snapshots, made on a CPU, within the policy for another device
#   speed   steps/s of that run beside the same run on the CPU (measured and printed, never judged)
# With --device cpu every check runs on the CPU instead (device and env describe the CPU): the dry run
# that CI does in the CPU image, to test this script's logic where no GPU exists.
# Other options: --threads N (default: every usable CPU; passed to every run), --out DIR (where runs
# and logs go; default a new temporary folder).
set -uo pipefail

device=gpu steps=300 threads=$(nproc) out=
while [ $# -gt 0 ]; do
    case $1 in
        --device) device=${2:-} ;;
        --steps) steps=${2:-} ;;
        --threads) threads=${2:-} ;;
        --out) out=${2:-} ;;
        -h | --help) sed -n '2,/^set /{/^set /d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) echo "gpu-smoke: error: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    [ $# -ge 2 ] || { echo "gpu-smoke: error: $1 needs a value" >&2; exit 2; }
    shift 2
done
case $device in gpu | cpu) ;; *) echo "gpu-smoke: error: --device must be gpu or cpu, got $device" >&2; exit 2 ;; esac
out=${out:-$(mktemp -d "${TMPDIR:-/tmp}/gpu-smoke.XXXXXX")}
mkdir -p "$out" || exit 2

passed=0 failed=0
check() {  # check PASS|FAIL NAME TEXT
    printf '%s %-6s %s\n' "$1" "$2" "$3"
    if [ "$1" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}
field() {  # field JSON_FILE PYTHON_EXPRESSION_OF_d: one value of a JSON file
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
train() {  # train NAME DEVICE: --steps steps from seed 1 into $out/NAME; prints its steps/s, or fails
    TF_DETERMINISTIC_OPS=1 tf1gan train --out "$out/$1" --force --device "$2" --threads "$threads" \
        --steps "$steps" --seed 1 --monitor-every 0 --sample-every "$steps" --checkpoint-every "$steps" \
        >"$out/$1.log" 2>&1 || return 1
    sed -n 's/^run folder: .*, \([0-9.]*\) steps\/s)$/\1/p' "$out/$1.log"
}

# device
if [ "$device" = gpu ]; then
    if ! command -v nvidia-smi >/dev/null; then
        check FAIL device "no nvidia-smi here: not a GPU image, or the NVIDIA container toolkit did not set it up"
    elif smi=$(nvidia-smi --query-gpu=driver_version,name,compute_cap --format=csv,noheader 2>&1) && [ -n "$smi" ]; then
        first=$(echo "$smi" | head -n 1 | sed 's/, */,/g')
        IFS=, read -r driver name capability <<<"$first"
        check PASS device "driver $driver, $name, compute capability $capability ($(echo "$smi" | wc -l) GPU(s) visible)"
    else
        check FAIL device "nvidia-smi: $(echo "$smi" | tail -n 1) (no driver, or no GPU given: docker run --gpus all)"
    fi
else
    check PASS device "CPU $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) usable (--device cpu: no GPU checked)"
fi

# env
if tf1gan env --device "$device" --threads "$threads" >"$out/env.txt" 2>&1 &&
    tf1gan env --device "$device" --threads "$threads" --json >"$out/env.json" 2>>"$out/env.txt"; then
    versions=$(field "$out/env.json" '"TensorFlow %(tensorflow)s, numpy %(numpy)s, Python %(python)s" % d["versions"]')
    if [ "$device" = gpu ]; then
        described=$(field "$out/env.json" '"%(name)s, compute %(compute_capability)s, CUDA %(cuda)s, cuDNN %(cudnn)s, TF32 %(tf32)s" % d.get("gpu", {})' 2>&1)
        tf32=$(field "$out/env.json" 'd.get("gpu", {}).get("tf32")' 2>&1)
        if [ "$tf32" = False ]; then
            check PASS env "$versions; $described; $threads thread(s)"
        else
            check FAIL env "$versions; ${described}: TF32 must be off (NVIDIA_TF32_OVERRIDE=0) for float32 products"
        fi
    else
        check PASS env "$versions; $(field "$out/env.json" 'd["cpu"]["model_name"]'); $threads thread(s)"
    fi
else
    check FAIL env "tf1gan env --device $device: $(tail -n 1 "$out/env.txt")"
fi

# repeat
if rate=$(train first "$device") && train second "$device" >/dev/null; then
    differ=
    for f in "$out/first/checkpoints/model.ckpt-$steps".*; do
        cmp -s "$f" "$out/second/checkpoints/${f##*/}" || differ="$differ ${f##*/}"
    done
    if [ -z "$differ" ] && [ -e "$out/first/checkpoints/model.ckpt-$steps.index" ]; then
        check PASS repeat "2 runs of $steps steps on $device: final checkpoints bitwise equal"
    else
        check FAIL repeat "2 runs of $steps steps on $device: checkpoints differ (${differ# }); $(tf1gan env --diff "$out/first" "$out/second")"
    fi
else
    check FAIL repeat "training on $device failed: $(tail -n 1 "$out/first.log" "$out/second.log" 2>/dev/null | grep -v '^==>' | grep . | tail -n 1)"
fi

# golden
if tf1gan golden --check >"$out/golden.txt" 2>&1; then
    verdicts=$(sed -n 's/^[a-z_]*  *[-0-9.e+]*  *\(bitwise\|within tolerance\)\( (\(.*\))\)\{0,1\}$/\1 (\3)/p' "$out/golden.txt" | sort | uniq -c |
        sed 's/^ *\([0-9]*\) /\1 /' | paste -sd ';' - | sed 's/;/; /g')
    check PASS golden "${verdicts:-see $out/golden.txt}"
else
    check FAIL golden "$(tail -n 1 "$out/golden.txt") (all of it in $out/golden.txt)"
fi

# speed
if [ -n "${rate:-}" ] && cpu_rate=$(train cpu-reference cpu) && [ -n "$cpu_rate" ]; then
    ratio=$(python3 -c 'import sys; print("%.2f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$rate" "$cpu_rate")
    check PASS speed "$steps steps: $device $rate steps/s, cpu $cpu_rate steps/s (${ratio}x; measured, not judged)"
else
    check FAIL speed "no rate to compare: $(tail -n 1 "$out/cpu-reference.log" 2>/dev/null || echo "the $device run failed")"
fi

echo "gpu-smoke: $passed of $((passed + failed)) checks PASS on $device; runs and logs in $out"
[ "$failed" = 0 ]
