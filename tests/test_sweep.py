"""tf1gan sweep: the grid, the report, the lock; end to end on Ray (slow): a killed trial, a re-run, loopback only."""

import io
import ipaddress
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time

import pytest

from helpers import (
    assert_one_line_error,
    assert_same_weights,
    checkpoint_weights,
    cli,
    run_cli,
    subprocess_result,
)
from tf1gan import plots, sweep, sweep_grid, sweep_report, sweep_trial
from tf1gan.config import Config
from tf1gan.errors import ConfigError, Tf1ganError
from tf1gan.fileio import RunLock
from tf1gan.runs import RunFolder

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The tiny network of conftest.TINY, as train flags (one value each: settings of every trial).
TINY_GRID = ["--grid", "z-dim=8", "--grid", "hidden=16", "--grid", "batch-size=16", "--grid", "monitor-every=0"]


def test_grid_seeds_and_trial_names(tmp_path):
    assert sweep_grid.parse_seeds("0-2,5,1") == [0, 1, 2, 5]
    assert sweep_grid.parse_grid_option("hidden=64,32;128,64") == ("hidden", ["64,32", "128,64"])
    assert sweep_grid.parse_grid_option("d-hidden=64,32;") == ("d-hidden", ["64,32"])  # one setting
    assert sweep_grid.parse_grid_option("hidden=64") == ("hidden", ["64"])
    grid = sweep_grid.merge({"grid": {"arch": ["default", "dcgan"], "z_dim": 8}}, ["batch-size=16,32"])
    trials = sweep_grid.trials(grid, [0, 1], 50, 1, str(tmp_path))
    assert len(trials) == 2 * 2 * 2 and len({t.name for t in trials}) == 8
    first = trials[0]
    assert first.name == "arch=default_batch-size=16_seed=0" and first.setting == "arch=default,batch-size=16"
    args = sweep_grid.argv(first)
    assert args[:3] == ["train", "--out", os.path.join(str(tmp_path), first.name)]
    for flag, value in (("--z-dim", "8"), ("--seed", "0"), ("--steps", "50"), ("--threads", "1")):
        assert args[args.index(flag) + 1] == value
    for bad in (["seed=1,2"], ["arch"], ["lr=1,1"]):
        with pytest.raises(ConfigError):
            sweep_grid.merge({}, bad)
    for bad in ("2-1", "a", "-3"):
        with pytest.raises(ConfigError):
            sweep_grid.parse_seeds(bad)


def test_json_and_toml_files_give_the_same_sweep(tmp_path):
    pytest.importorskip("tomli" if sys.version_info < (3, 11) else "tomllib")
    (tmp_path / "s.json").write_text(json.dumps({"grid": {"arch": ["default", "dcgan"]}, "seeds": "0-1"}))
    (tmp_path / "s.toml").write_text('seeds = "0-1"\n[grid]\narch = ["default", "dcgan"]\n')
    docs = [sweep_grid.read_file(str(tmp_path / name)) for name in ("s.json", "s.toml")]
    assert docs[0] == docs[1]
    (tmp_path / "bad.json").write_text('{"grid": {}, "seed": 1}')
    with pytest.raises(ConfigError, match="seed"):
        sweep_grid.read_file(str(tmp_path / "bad.json"))


def _result(name, setting, seed, score, status="done"):
    records = [{"step": s, "d_loss": 1.0 + seed + s, "g_loss": 2.0, "elapsed_s": s / 10.0} for s in (0, 10, 20)]
    figures = dict(classifier_score=score, fcd=10.0 * score, modes_covered=10, nn_copy_rate=0.01)
    return dict(
        name=name, setting=setting, seed=seed, status=status, wall_s=5.0, cpu_s=4.0, attempts=1, peak_rss_mb=300.0,
        error=None if status == "done" else "tf1gan train: error: bad", records=records,
        figures=figures if status == "done" else None, settings=[["arch", setting]],
    )  # fmt: skip


def test_report_rows_and_spread_over_seeds(tmp_path):
    results = [_result("a0", "a", 0, 8.0), _result("a1", "a", 1, 9.0), _result("b0", "b", 0, 0.0, "failed")]
    sweep_report.write(str(tmp_path), results)
    rows = json.load(open(str(tmp_path / "sweep.json")))["trials"]
    assert [r["name"] for r in rows] == ["a0", "a1", "b0"] and rows[0]["steps"] == 20
    summary = sweep_report.by_setting(rows)
    mean, sd = summary["a"]["classifier_score"]
    assert mean == pytest.approx(8.5) and sd == pytest.approx(0.5**0.5)
    assert summary["b"]["seeds"] == 0 and summary["b"]["classifier_score"] == (None, None)
    text = (tmp_path / "sweep.md").read_text()
    assert "| a | 2 of 2 | 8.500 ± 0.707 |" in text and "failed: tf1gan train: error: bad" in text
    assert "| a0 | a | 0 | 20 | 5 | 4 | 8.000 |" in text and rows[0]["cpu_s"] == 4.0
    assert (tmp_path / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    assert plots.seed_spread_figure({"a": [results[0]["records"]]})[:4] == b"\x89PNG"


def test_the_eta_counts_steps_so_trials_of_different_lengths_and_resumed_ones_weigh_what_they_cost(tmp_path):
    from tf1gan import sweep

    grid = sweep_grid.merge(None, ["arch=default,dcgan"])
    long, short = sweep_grid.trials(grid, [0], None, 1, str(tmp_path))

    def reach(trial, step, total):
        os.makedirs(trial.folder, exist_ok=True)
        if not os.path.exists(os.path.join(trial.folder, "config.json")):  # as tf1gan train writes it
            RunFolder(trial.folder).write_config(Config(steps=total))
        with open(os.path.join(trial.folder, "metrics.jsonl"), "a") as f:
            f.write(json.dumps({"step": step, "d_loss": 1.0}) + "\n")

    reach(long, 1000, 30000)  # resumed: its first 1,000 steps were trained before this sweep
    progress = sweep.Progress(3, [long, short], io.StringIO())
    assert progress.eta() is None and "ETA" not in progress.line()  # nothing trained yet
    reach(long, 3000, 30000)
    reach(short, 1000, 3000)
    progress.t0 -= 30.0  # 3,000 steps trained in 30 s; 27,000 + 2,000 left
    assert progress.eta() == pytest.approx(290.0, rel=0.01)
    progress.end(short, ok=False)  # a failed trial's steps are no longer to come
    assert progress.eta() == pytest.approx(270.0, rel=0.01)
    assert progress.line().startswith("sweep: 1 done, 0 running, 1 failed, 1 left, ETA 4:30 (")  # 1 of 3 done before


def test_a_second_sweep_into_one_folder_is_refused(tmp_path):
    os.makedirs(str(tmp_path / "s"))
    with RunLock(str(tmp_path / "s")):
        result = cli("sweep", "--out", tmp_path / "s", "--grid", "arch=default", "--steps", "2")
    assert_one_line_error(result, 4, "being written by another tf1gan process")


def test_bad_sweep_flags_are_one_line_errors(tmp_path):
    assert_one_line_error(cli("sweep", "--out", tmp_path / "s", "--grid", "out=x"), 2, "set by the sweep itself")
    assert_one_line_error(cli("sweep", "--out", tmp_path / "s", "--seeds", "3-1"), 2, "--seeds")
    # one setting of widths or two settings of one width each: refused rather than guessed
    assert_one_line_error(cli("sweep", "--out", tmp_path / "s", "--grid", "hidden=32,16"), 2, "'hidden=32,16;'")
    assert not os.path.exists(str(tmp_path / "s"))


class _FakeRay(object):
    """ray.init raising each of ``failures`` in turn, then returning a context."""

    def __init__(self, *failures):
        self.failures, self.calls = list(failures), 0

    def init(self, **_kwargs):
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "context"


def test_ray_start_draws_ports_again_on_a_clash_and_other_failures_are_one_line(monkeypatch):
    handed_back = []
    monkeypatch.setattr(sweep.signals, "install", lambda: handed_back.append(True))
    clash = ValueError(
        "Ray component metrics_export is trying to use a port number 52365 that is used by other\n"
        "components.\nPort information: {...}"
    )
    ray = _FakeRay(clash)
    assert sweep._init(ray, "cannot start Ray") == "context" and ray.calls == 2 and handed_back == [True]
    ray = _FakeRay(*[clash] * sweep.RAY_START_TRIES)
    with pytest.raises(Tf1ganError) as e:
        sweep._init(ray, "cannot start Ray")
    assert ray.calls == sweep.RAY_START_TRIES and str(e.value).startswith("cannot start Ray: Ray component")
    assert "\n" not in str(e.value)
    ray = _FakeRay(ConnectionError())  # what Ray 2.7 raises, after two minutes, for an address nobody answers
    with pytest.raises(Tf1ganError) as e:
        sweep._init(ray, "cannot join the Ray cluster at 127.0.0.1:1")
    assert str(e.value).startswith("cannot join the Ray cluster at 127.0.0.1:1: ConnectionError (no Ray head answered")
    assert ray.calls == 1


def test_kuberay_manifest_names_the_image_volume_and_command():
    yaml = pytest.importorskip("yaml")
    with open(os.path.join(ROOT, "docs", "kuberay", "raycluster.yaml")) as f:
        (doc,) = [d for d in yaml.safe_load_all(f) if d["kind"] == "RayCluster"]
    assert doc["kind"] == "RayCluster"
    spec = doc["spec"]
    pods = [spec["headGroupSpec"]["template"]["spec"]] + [g["template"]["spec"] for g in spec["workerGroupSpecs"]]
    for pod in pods:
        (container,) = pod["containers"]
        assert container["image"] == "tf1gan:ray"
        assert container["resources"]["limits"]["cpu"] and container["resources"]["limits"]["memory"]
        assert {"mountPath": "/runs", "name": "runs"} in container["volumeMounts"]
        assert pod["volumes"] == [{"name": "runs", "persistentVolumeClaim": {"claimName": "tf1gan-runs"}}]
    docs = open(os.path.join(ROOT, "docs", "sweep.md")).read()
    assert "--build-arg WITH_RAY=1 -t tf1gan:ray" in docs
    assert "kubectl exec" in docs and "tf1gan sweep --address auto --out /runs/" in docs
    assert "private network" in docs


# --- end to end on Ray (slow) ------------------------------------------------------------------


def _tree(root):
    """PIDs of ``root`` and all its descendants."""
    parents = {}
    for name in os.listdir("/proc"):
        try:
            with open("/proc/%s/stat" % name) as f:
                parents[int(name)] = int(f.read().rsplit(")", 1)[1].split()[1])
        except (ValueError, OSError):
            continue
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return tree


def _listening(pids):
    """(address, port) of every TCP socket in LISTEN state that a process of ``pids`` holds (/proc/net/tcp{,6})."""
    inodes = set()
    for pid in pids:
        try:
            for fd in os.listdir("/proc/%d/fd" % pid):
                link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
                if link.startswith("socket:["):
                    inodes.add(link[8:-1])
        except OSError:
            continue
    found = []
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if fields[3] != "0A" or fields[9] not in inodes:  # 0A: LISTEN
                    continue
                hex_addr, hex_port = fields[1].split(":")
                raw = bytes.fromhex(hex_addr)  # 32-bit words in host (little-endian) order
                raw = b"".join(struct.pack("<I", struct.unpack(">I", raw[i : i + 4])[0]) for i in range(0, len(raw), 4))
                found.append((socket.inet_ntop(family, raw), int(hex_port, 16)))
    return found


def _loopback(address):
    ip = ipaddress.ip_address(address)
    return ip.is_loopback or (ip.version == 6 and ip.ipv4_mapped is not None and ip.ipv4_mapped.is_loopback)


def test_listening_socket_parser_sees_a_loopback_and_an_open_socket():
    with socket.socket() as local, socket.socket() as anywhere:
        local.bind(("127.0.0.1", 0))
        anywhere.bind(("0.0.0.0", 0))
        local.listen()
        anywhere.listen()
        found = dict((port, address) for address, port in _listening({os.getpid()}))
        assert _loopback(found[local.getsockname()[1]]) and not _loopback(found[anywhere.getsockname()[1]])


def _sweep(out, *args):
    return subprocess.Popen(
        [sys.executable, "-m", "tf1gan", "sweep", "--out", str(out), "--workers", "2", "--threads", "1"] + list(args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
    )


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory):
    """A sweep of three trials, one with a setting out of range, its sockets looked at while a trial trains."""
    pytest.importorskip("ray")
    out = tmp_path_factory.mktemp("sweep") / "s"
    args = TINY_GRID + ["--grid", "d-dropout=0,0.5,2", "--steps", "20", "--eval-samples", "100"]
    proc = _sweep(out, *args)
    sockets, deadline = [], time.time() + 300
    while proc.poll() is None and time.time() < deadline:  # once a trial trains, Ray is all up
        if any(os.path.exists(str(out / "trials" / name / "config.json")) for name in _names(out)):
            sockets = _listening(_tree(proc.pid))
            break
        time.sleep(0.2)
    stdout, stderr = proc.communicate(timeout=600)
    return dict(out=out, args=args, code=proc.returncode, stdout=stdout, stderr=stderr, sockets=sockets, pid=proc.pid)


def _names(out):
    try:
        return os.listdir(str(out / "trials"))
    except OSError:
        return []


@pytest.mark.slow
def test_small_grid_runs_end_to_end_and_reports_the_bad_trial(small_sweep):
    out = small_sweep["out"]
    assert small_sweep["code"] == 1, small_sweep["stderr"]
    assert small_sweep["stderr"].strip().splitlines()[-1] == (
        "tf1gan: error: 1 of 3 trials failed; %s/sweep.md names each one's error" % out
    )
    rows = {r["name"]: r for r in json.load(open(str(out / "sweep.json")))["trials"]}
    assert sorted(rows) == ["d-dropout=0.5_seed=0", "d-dropout=0_seed=0", "d-dropout=2_seed=0"]
    bad = rows.pop("d-dropout=2_seed=0")
    assert bad["status"] == "failed" and bad["error"].startswith("tf1gan: error: ") and "--d-dropout" in bad["error"]
    assert bad["attempts"] == 1  # a bad setting is not retried
    for name, row in rows.items():
        assert row["status"] == "done" and row["steps"] == 20 and row["attempts"] == 1
        assert 0 < row["cpu_s"] < 10 * row["wall_s"]  # the train process's own CPU time (wait4), not the sweep's
        assert 1 <= row["classifier_score"] <= 10 and row["fcd"] > 0 and 0 <= row["modes_covered"] <= 10
        config = json.load(open(str(out / "trials" / name / "config.json")))["config"]
        assert config["d_dropout"] == float(row["settings"]["d-dropout"]) and config["z_dim"] == 8
        assert code_of(cli("sample", "--run", out / "trials" / name, "--n", 4, "--out", out / (name + ".npy"))) == 0
    assert "sweep: 2 done, 0 running, 1 failed, 0 left" in small_sweep["stderr"]
    md = (out / "sweep.md").read_text()
    assert "| d-dropout=0.5 | 1 of 1 |" in md and "failed: tf1gan: error: " in md
    assert (out / "sweep.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_the_sweep_leaves_no_ray_session_folder_behind(small_sweep):
    # Ray names a session folder after the process that started it: session_DATE_TIME_MICROS_PID
    root = os.path.join(os.environ.get("RAY_TMPDIR", "/tmp"), "ray")
    left = [n for n in os.listdir(root) if n.endswith("_%d" % small_sweep["pid"])] if os.path.isdir(root) else []
    assert small_sweep["code"] == 1 and left == []


def code_of(result):
    return result[0]


@pytest.mark.slow
def test_the_local_sweep_listens_on_loopback_only(small_sweep):
    sockets = small_sweep["sockets"]
    assert len(sockets) >= 2, small_sweep["stderr"]  # Ray's GCS and raylet at least: the check looked
    assert [s for s in sockets if not _loopback(s[0])] == []


@pytest.mark.slow
def test_rerunning_a_finished_sweep_trains_nothing_again(small_sweep):
    out = small_sweep["out"]
    good = ["d-dropout=0_seed=0", "d-dropout=0.5_seed=0"]
    before = {n: sorted(os.listdir(str(out / "trials" / n / "checkpoints"))) for n in good}
    logs = {n: (out / "logs" / (n + ".log")).read_text() for n in good}
    weights = {n: checkpoint_weights(str(out / "trials" / n)) for n in good}
    proc = _sweep(out, *small_sweep["args"])
    _, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 1 and "2 of 3 trials already finished" in stderr, stderr
    for n in good:
        assert sorted(os.listdir(str(out / "trials" / n / "checkpoints"))) == before[n]
        assert (out / "logs" / (n + ".log")).read_text() == logs[n]  # no process started for it
        assert_same_weights(checkpoint_weights(str(out / "trials" / n)), weights[n])


def _train_pid(folder):
    """The PID in the run folder's lock file when it is a tf1gan train process (the task also takes it, briefly)."""
    try:
        pid = int(open(os.path.join(folder, ".lock")).read().strip())
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return pid if b"train" in f.read().split(b"\0") else None
    except (OSError, ValueError):
        return None


def _checkpoint_steps(folder):
    names = (
        os.listdir(os.path.join(folder, "checkpoints")) if os.path.isdir(os.path.join(folder, "checkpoints")) else []
    )
    return {int(n.split("-")[1].split(".")[0]) for n in names if n.startswith("model.ckpt-") and n.endswith(".index")}


def _parent(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


@pytest.mark.slow
@pytest.mark.parametrize("victim", ["train process", "Ray worker"])
def test_a_trial_killed_mid_run_resumes_to_the_weights_of_an_uninterrupted_run(tmp_path, victim):
    pytest.importorskip("ray")
    flags = ["--z-dim", "8", "--hidden", "16", "--batch-size", "16", "--monitor-every", "0", "--seed", "3"]
    flags += ["--log-every", "100", "--checkpoint-every", "100", "--sample-every", "100000", "--threads", "1"]
    steps = "3000"
    grid = ["--grid", "z-dim=8", "--grid", "hidden=16", "--grid", "batch-size=16", "--grid", "monitor-every=0"]
    grid += ["--grid", "log-every=100", "--grid", "checkpoint-every=100", "--grid", "sample-every=100000"]
    proc = _sweep(tmp_path / "s", *grid + ["--seeds", "3", "--steps", steps, "--eval-samples", "0"])
    folder = str(tmp_path / "s" / "trials" / "seed=3")
    killed, deadline = None, time.time() + 300
    while proc.poll() is None and killed is None and time.time() < deadline:
        pid = _train_pid(folder)
        if pid and any(0 < s < int(steps) for s in _checkpoint_steps(folder)):
            killed = pid if victim == "train process" else _parent(pid)  # the worker's death stops its train
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.05)
    reference = run_cli("train", "--out", tmp_path / "ref", "--steps", steps, *flags)  # meanwhile, uninterrupted
    _, stderr = proc.communicate(timeout=600)
    assert killed is not None, "the trial finished before it could be killed: " + stderr
    assert reference.returncode == 0, reference.stderr
    assert proc.returncode == 0, stderr
    result = json.load(open(str(tmp_path / "s" / "results" / "seed=3.json")))
    # the train process is started again by the same task; a dead worker's task is run again by Ray
    assert result["status"] == "done" and result["attempts"] == (2 if victim == "train process" else 1)
    log = (tmp_path / "s" / "logs" / "seed=3.log").read_text()
    attempts = [line for line in log.splitlines() if line.startswith("$ tf1gan train")]
    assert len(attempts) == 2 and "--resume" in attempts[1] and "--resume" not in attempts[0]
    assert_same_weights(checkpoint_weights(folder), checkpoint_weights(str(tmp_path / "ref")))
    # and the trial records what a plain run records: Ray's OMP_NUM_THREADS and CUDA_VISIBLE_DEVICES stay out
    assert "can be bitwise equal" in cli("env", "--diff", folder, tmp_path / "ref")[1]


@pytest.mark.slow
def test_sigterm_stops_a_sweep_with_one_line_and_its_trial_resumes(tmp_path):
    # Ray's driver handler would abort the sweep (exit 134, a stack dump) where tf1gan says what stopped it
    pytest.importorskip("ray")
    grid = TINY_GRID + ["--grid", "checkpoint-every=100", "--grid", "log-every=100", "--grid", "sample-every=100000"]
    args = grid + ["--seeds", "0", "--steps", "100000", "--eval-samples", "0"]
    proc = _sweep(tmp_path / "s", *args)
    folder, deadline, sent = str(tmp_path / "s" / "trials" / "seed=0"), time.time() + 300, False
    while proc.poll() is None and time.time() < deadline and not sent:
        if _train_pid(folder) and _checkpoint_steps(folder):
            proc.send_signal(signal.SIGTERM)
            sent = True
        time.sleep(0.05)
    _, stderr = proc.communicate(timeout=300)
    assert sent, stderr
    assert proc.returncode == 143 and stderr.strip().splitlines()[-1] == "tf1gan: stopped by SIGTERM", stderr
    assert "Traceback" not in stderr and "SIGTERM received" not in stderr
    stopped_at = max(_checkpoint_steps(folder))
    assert (
        "stopped by SIGTERM after step %d and saved a checkpoint" % stopped_at
        in (tmp_path / "s" / "logs" / "seed=0.log").read_text()
    )
    proc = _sweep(tmp_path / "s", *grid + ["--seeds", "0", "--steps", str(stopped_at + 100), "--eval-samples", "0"])
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    log = (tmp_path / "s" / "logs" / "seed=0.log").read_text()
    assert "--resume" in [line for line in log.splitlines() if line.startswith("$ tf1gan train")][-1]


@pytest.mark.slow
def test_without_ray_the_trials_run_one_at_a_time(tmp_path):
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "ray.py").write_text("raise ImportError('hidden by the test')\n")
    env = {"PYTHONPATH": os.pathsep.join([str(hide), os.environ.get("PYTHONPATH", ROOT)])}
    args = TINY_GRID + ["--seeds", "0-1", "--steps", "4", "--eval-samples", "0", "--workers", "2"]
    proc = run_cli("sweep", "--out", tmp_path / "s", *args, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "Ray is not installed" in proc.stderr and "sweep: 2 done, 0 running, 0 failed, 0 left" in proc.stderr
    rows = json.load(open(str(tmp_path / "s" / "sweep.json")))["trials"]
    assert [(r["seed"], r["status"], r["steps"]) for r in rows] == [(0, "done", 4), (1, "done", 4)]
    assert_one_line_error(
        subprocess_result(run_cli("sweep", "--out", tmp_path / "t", "--address", "auto", env=env)), 1, "needs Ray"
    )
    assert not os.path.exists(str(tmp_path / "t"))


def test_a_trial_resumes_its_checkpoint_and_reports_its_one_line_error(tmp_path):
    folder = tmp_path / "run"
    assert sweep_trial._mode(str(folder), force_first=False) == []  # nothing there yet: a new run
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    assert sweep_trial._mode(str(folder), False) == ["--force"]  # stopped before its first checkpoint
    (folder / "checkpoints").mkdir()
    (folder / "checkpoints" / "checkpoint").write_text("")
    assert sweep_trial._mode(str(folder), False) == ["--resume"]
    assert sweep_trial._mode(str(folder), True) == ["--force"]  # a run of other settings, replaced on purpose
    output = "$ tf1gan train ...\n 1/30 [>....]\ntf1gan train: error: argument --arch: invalid choice: 'x'\n"
    assert sweep_trial.error_line(output, 2) == "tf1gan train: error: argument --arch: invalid choice: 'x'"
    assert sweep_trial.error_line("$ tf1gan train ...\n 1/30 [>....]\n", -9) == "killed by signal 9"
    env = sweep_trial._child_env({"OMP_NUM_THREADS": None, "CUDA_VISIBLE_DEVICES": "0", "PATH": "not taken"})
    assert "OMP_NUM_THREADS" not in env and env["CUDA_VISIBLE_DEVICES"] == "0" and env["PATH"] == os.environ["PATH"]
