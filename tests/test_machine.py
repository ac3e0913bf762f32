"""What decides the bits: the cpu / gpu block, tf1gan env, env --diff, and the GPU settings checked on the CPU."""

import json
import os
import re
import shlex
import subprocess
import sys

import pytest
from test_cli import TINY_ARGS

from helpers import assert_one_line_error, cli
from tf1gan import machine, tfcompat
from tf1gan.tfcompat import session_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("env")
    runs = [str(folder / name) for name in ("a", "b")]
    for out in runs:
        assert cli("train", "--out", out, *TINY_ARGS)[0] == 0
    return runs


def test_cpu_block_from_cpuinfo():
    info = {
        "vendor_id": "AuthenticAMD",
        "model name": "AMD EPYC 9R14 96-Core Processor",
        "cpu family": "25",
        "model": "17",
        "stepping": "1",
        "flags": "fpu sse4_1 avx avx2 fma avx512f avx512bw sha_ni",
    }
    block = machine.cpu_block(info, {"L1d": "32K", "L2": "1024K"})
    assert block["flags"] == ["sse4_1", "avx", "avx2", "fma", "avx512f", "avx512bw"]
    assert (block["vendor"], block["family"], block["model"], block["stepping"]) == ("AuthenticAMD", "25", "17", "1")
    assert machine.short_name({"cpu": block}) == "AuthenticAMD AMD EPYC 9R14 96-Core Processor (25/17/1)"


def test_this_machine_is_described():
    block = machine.describe(threads=3)
    assert block["threads"] == 3 and "gpu" not in block
    assert block["cpu"]["vendor"] != "unknown" and block["cpu"]["caches"]
    assert {"avx"} <= set(block["cpu"]["flags"])  # TF 1.15's wheel needs AVX, so any CPU running this has it
    assert machine.describe(threads=0)["threads"] == len(os.sched_getaffinity(0))
    assert machine.bitwise_obstacles(block, json.loads(json.dumps(block))) == []


def test_config_json_carries_the_block(two_runs):
    doc = json.load(open(os.path.join(two_runs[0], "config.json")))
    here = machine.describe(threads=1)
    assert doc["cpu"] == here["cpu"] and doc["threads"] == 1
    assert doc["versions"]["tensorflow"] == here["versions"]["tensorflow"]
    assert doc["env"] == here["env"]


def test_env_prints_the_block_and_json():
    code, out, _ = cli("env")
    assert code == 0
    assert re.search(r"^cpu: .+ \(\d+/\d+/\d+\)$", out, re.M) and "instruction sets: " in out
    assert "threads: %d" % len(os.sched_getaffinity(0)) in out
    code, out, _ = cli("env", "--json", "--threads", "1")
    assert code == 0 and json.loads(out) == machine.describe(threads=1)


def test_env_diff_says_why(two_runs, tmp_path):
    code, out, _ = cli("env", "--diff", *two_runs)
    assert code == 0 and out.startswith("can be bitwise equal: same CPU model, threads, versions and environment")
    other = str(tmp_path / "other")
    os.makedirs(other)
    doc = json.load(open(os.path.join(two_runs[1], "config.json")))
    doc["cpu"].update(vendor="AuthenticAMD", model_name="AMD EPYC 7R13 Processor", family="25", model="1")
    doc["threads"] = 2
    with open(os.path.join(other, "config.json"), "w") as f:
        json.dump(doc, f)
    code, out, _ = cli("env", "--diff", two_runs[0], other)
    assert code == 0 and out.startswith("can differ in their bits: other CPU: ")
    assert "AMD EPYC 7R13 Processor (25/1/" in out and "other thread count: 1 vs 2" in out


def test_env_bad_input_is_one_line(tmp_path):
    assert_one_line_error(cli("env", "--diff", str(tmp_path / "nope"), str(tmp_path)), 4, "no such run folder")
    assert_one_line_error(cli("env", "--threads", "-1"), 2, "--threads")
    assert_one_line_error(cli("env", "--device", "gpu"), 2, "TensorFlow sees no GPU")


def test_output_into_a_closed_pipe_is_no_traceback():
    # tf1gan env --json | head -1
    done = subprocess.run(
        "%s -m tf1gan env --json | head -1" % shlex.quote(sys.executable),
        shell=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=120,
    )
    assert done.stdout == "{\n" and "Traceback" not in done.stderr, done.stderr


def test_gpu_block_and_tf32(monkeypatch):
    monkeypatch.setattr(tfcompat, "gpu_devices", lambda: [("NVIDIA A100-SXM4-40GB", "8.0")])
    monkeypatch.delenv("NVIDIA_TF32_OVERRIDE", raising=False)
    block = machine.gpu_block()
    assert block["name"] == "NVIDIA A100-SXM4-40GB" and block["compute_capability"] == "8.0"
    assert block["tf32"] is True  # what NVIDIA's TF1 build does on Ampere unless told otherwise
    monkeypatch.setenv("NVIDIA_TF32_OVERRIDE", "0")
    assert machine.gpu_block()["tf32"] is False
    described = machine.describe(threads=1, device="gpu")
    assert "cpu" not in described and described["gpu"]["tf32"] is False
    assert described["env"]["NVIDIA_TF32_OVERRIDE"] == "0"
    monkeypatch.setattr(tfcompat, "gpu_devices", lambda: [("Tesla V100-SXM2-16GB", "7.0")])
    monkeypatch.delenv("NVIDIA_TF32_OVERRIDE")
    assert machine.gpu_block()["tf32"] is False  # no TF32 before Ampere


def test_gpus_are_listed_without_taking_their_memory():
    # set before TensorFlow was imported, so listing the devices creates them with allow_growth
    assert os.environ["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
    assert session_config(1, "gpu").gpu_options.allow_growth
    assert session_config(1, "cpu").device_count["GPU"] == 0
    assert tfcompat.gpu_devices() == []  # this machine: no GPU, and no error


def test_gpu_image_sets_the_float32_path_and_determinism():
    text = open(os.path.join(ROOT, "docker", "Dockerfile.gpu")).read()
    env = dict(re.findall(r"^\s*(?:ENV\s+)?([A-Z0-9_]+)=(\S+?)\s*\\?$", text, re.M))
    assert env["NVIDIA_TF32_OVERRIDE"] == "0"
    assert env["TF_DETERMINISTIC_OPS"] == "1" and env["TF_CUDNN_DETERMINISTIC"] == "1"
    assert env["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
