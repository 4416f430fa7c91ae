"""The command line, run as a user runs it: python main.py ..."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from conftest import REPO, rerun_from_records, tensorflow_lines
from conftest import run_main as _main

CONFIG = os.path.join(REPO, "configs", "cgan_fashion_mnist.py")


def test_train_export_sample(tmp_path):
    run = _main(f"--config={CONFIG}:smoke", "--workdir=run", "--config.train.steps=3", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    # A quiet console: none of TensorFlow's start-up, cuInit or Grappler lines.
    assert tensorflow_lines(run.stderr) == [], run.stderr
    assert "cgan_fashion_mnist: 100%" in run.stderr  # the progress bar still shows

    # A rerun of the finished run trains nothing and exports nothing new.
    rerun = _main(f"--config={CONFIG}:smoke", "--workdir=run", "--config.train.steps=3",
                  cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert "Already exported at step 3: export/cgan_fashion_mnist/1" in rerun.stdout
    assert "Exported export/cgan_fashion_mnist/1" in run.stdout
    assert (tmp_path / "run" / "samples" / "step_000003.png").exists()

    again = _main("--mode=export", "--workdir=run", cwd=tmp_path)  # config from the workdir
    assert again.returncode == 0, again.stderr
    assert "Exported export/cgan_fashion_mnist/2" in again.stdout

    sample = _main("--mode=sample", f"--config={CONFIG}", "--columns=6", "--output=grid.png",
                   cwd=tmp_path)
    assert sample.returncode == 0, sample.stderr
    assert "from export/cgan_fashion_mnist/2" in sample.stdout
    grid = np.asarray(Image.open(tmp_path / "grid.png"))
    assert grid.shape == (10 * 30 - 2, 6 * 30 - 2)  # 10 classes x 6 columns of 28+2 pixels


def test_help_shows_the_usage_every_mode_and_the_flags(tmp_path):
    """absl's --help prints the __main__ module's docstring and flags: main.py has one line and
    defines none."""
    from tfgan_lab import modes

    shown = _main("--help", cwd=tmp_path)
    assert shown.returncode == 1, shown.stderr  # as absl's --help exits
    assert shown.stdout.startswith("The command line: python main.py --mode=MODE")
    assert "--config.train.steps=200" in shown.stdout  # how fields are overridden
    for flag in ("--config", "--workdir", "--mode", "--model_path", "--export_dir", "--input",
                 "--output", "--[no]tf_log", "--do"):
        assert f"\n  {flag}: " in shown.stdout, flag
    assert all(f" {mode}: " in shown.stdout for mode in modes.MODES.names())
    assert tensorflow_lines(shown.stderr) == [], shown.stderr


def test_tf_log_showstensorflow_lines(tmp_path):
    """(Without it they are hidden: every command of tests/test_bad_input.py checks that.)"""
    shown = _main("--mode=sample", "--model_path=missing", "--tf_log", cwd=tmp_path)
    assert shown.returncode == 1 and "error: missing holds no saved_model.pb" in shown.stderr
    assert any(line.startswith("I0000") for line in tensorflow_lines(shown.stderr))


def test_unknown_field_and_bad_value_stop_before_writing(tmp_path):
    unknown = _main(f"--config={CONFIG}", "--workdir=run", "--config.train.stepz=5",
                    cwd=tmp_path)
    assert unknown.returncode == 1 and "Traceback" not in unknown.stderr
    assert "Unknown config field config.train.stepz (did you mean 'steps'?)" in unknown.stderr
    bad = _main(f"--config={CONFIG}", "--workdir=run", "--config.runtime.precision=float64",
                cwd=tmp_path)
    assert bad.returncode == 1
    assert "config.runtime.precision='float64' is not valid" in bad.stderr
    assert "auto, float32, mixed_bfloat16, mixed_float16" in bad.stderr
    assert "Traceback" not in bad.stderr
    stray = _main(f"--config={CONFIG}", "--workdir=run", "train.steps=5", cwd=tmp_path)
    assert stray.returncode == 1 and stray.stderr.strip().splitlines() == [
        "error: Unexpected arguments: train.steps=5"], stray.stderr  # no usage text
    assert os.listdir(tmp_path) == []


def test_diverged_run_exports_nothing(tmp_path):
    run = _main(f"--config={CONFIG}:smoke", "--workdir=run", "--config.train.steps=50",
                "--config.optimizer.g_learning_rate=1e30",
                "--config.optimizer.d_learning_rate=1e30", "--config.model.spectral_norm=False",
                "--config.model.loss=non_saturating", cwd=tmp_path)
    assert run.returncode == 1
    assert "error: Training diverged at step" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "export").exists()  # nothing exported, no empty folder left


@pytest.mark.slow
def test_cyclegan_on_folders_trains_exports_and_translates(tmp_path):
    """The results command, pointed at two folders of RGB JPEGs in the official layout, over 2
    seeds: a few steps each, both exports of each seed, every test image translated through the
    first's, a report of mean and spread without the classifier's metrics, each seed recorded;
    then --mode=translate on a folder and on one file; then the report rebuilt from the
    records with the runs gone."""
    from test_data_files import make_domains

    root = make_domains(tmp_path / "horse2zebra")
    report = tmp_path / "report"
    command = [sys.executable, os.path.join(REPO, "benchmarks", "cyclegan.py"),
               f"--config={os.path.join(REPO, 'configs', 'cyclegan_fashion_mnist.py')}:smoke",
               f"--config.data.folder={root}", "--config.data.crop_size=16",
               "--config.data.load_size=20", "--config.data.flip=True",
               "--config.train.batch_size=2", "--seeds=2", "--workdir=run",
               "--export_dir=export", f"--results={report}"]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    text = (report / "cyclegan.md").read_text()
    assert "| cycle L1 | " in text and "classified as the target class" not in text
    cycle = next(line for line in text.splitlines() if line.startswith("| cycle L1 |"))
    assert "seeds 0, 1" in text and cycle.count(" ± ") == 2  # mean ± spread, both ways
    for direction in ("a2b", "b2a"):
        assert (tmp_path / "export" / f"cyclegan_fashion_mnist_{direction}" / "1").is_dir()
        assert (tmp_path / "run" / "seed1" / "export" / f"cyclegan_fashion_mnist_{direction}"
                / "1").is_dir()
        written = sorted(os.listdir(report / f"translated_{direction}"))
        assert written == [f"{i:03d}.png" for i in range(6)]
        assert np.asarray(Image.open(report / f"translated_{direction}" / "001.png")).shape == (
            16, 16, 3)
    assert os.path.getsize(report / "cyclegan_test_grid.png") > 500
    records = json.loads((report / "cyclegan.json").read_text())
    assert sorted(records) == ["seed0", "seed1"] and records["seed1"]["config"]["seed"] == 1
    assert records["seed0"]["judges"] is None  # folders: no reference classifier scores them

    model = tmp_path / "export" / "cyclegan_fashion_mnist_b2a" / "1"
    folder = _main("--mode=translate", f"--model_path={model}", f"--input={root}/testB",
                   "--output=zebras", cwd=tmp_path)
    assert folder.returncode == 0, folder.stderr
    assert "Translated 6 image(s)" in folder.stdout and len(os.listdir(tmp_path / "zebras")) == 6
    one = _main("--mode=translate", f"--model_path={model}", f"--input={root}/testB/002.jpg",
                "--output=one", cwd=tmp_path)
    assert one.returncode == 0 and os.listdir(tmp_path / "one") == ["002.png"]
    missing = _main("--mode=translate", f"--model_path={model}", "--output=x", cwd=tmp_path)
    assert missing.returncode == 1 and "--mode=translate needs --input" in missing.stderr

    # With the runs gone, --from_records rebuilds the same table from cyclegan.json alone.
    again = rerun_from_records(command, tmp_path, "run", "export")
    assert "seed1: read from" in again.stdout
    rebuilt = (report / "cyclegan.md").read_text()
    assert cycle in rebuilt and "as last drawn" in rebuilt
