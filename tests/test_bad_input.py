"""Bad input, tried as a new user would: each stops with one `error:` line, no traceback, and
nothing of the user's is overwritten or left half-written."""

import os
import shutil
import signal
import subprocess
import sys

import pytest
from PIL import Image

from tfgan_lab import export, nets, train, translate, workdir
from tfgan_lab.data import images as image_files
from tfgan_lab.errors import DataError, WorkdirError

from conftest import REPO, tensorflow_lines, wait_until
from conftest import run_main as _main

CONFIG = os.path.join(REPO, "configs", "cgan_fashion_mnist.py")


def _one_error_line(run) -> str:
    """The run's stderr, checked to be one `error:` line, no traceback and none of
    TensorFlow's C++ log lines (the quiet console)."""
    assert run.returncode != 0
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert tensorflow_lines(run.stderr) == [], run.stderr[-3000:]
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.stderr[-3000:]
    return errors[0]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A CGAN's exported (untrained) conditional generator, with its manifest: its path."""
    root = tmp_path_factory.mktemp("exported")
    generator = nets.conditional_generator((28, 28, 1), 10, 16, filters=8)
    paths = export.write_set({"generator": export.Export(
        "conditional_generator", generator, {"z_dim": 16, "num_classes": 10})},
        str(root / "export"), "cgan_fashion_mnist", model="cgan")
    return paths["generator"]


@pytest.fixture()
def shirts(fashion_mnist, tmp_path):
    """A folder of real Fashion-MNIST images as JPEG and PNG files."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for i, name in enumerate(["a.jpg", "b.png", "c.jpg"]):
        Image.fromarray(fashion_mnist.images[i, ..., 0]).save(folder / name)
    return folder


def keras_identity_export(tmp_path) -> str:
    """An image-to-image export of a one-layer Keras network (28x28x1 in, the same out)."""
    import keras

    images = keras.Input((28, 28, 1), name="images")
    network = keras.Model(images, keras.layers.Activation("tanh", name="tanh")(images))
    return export.write(export.Export("image_to_image", network), str(tmp_path / "export"),
                        "identity")



def test_a_missing_config_file_is_one_error_line(tmp_path):
    line = _one_error_line(_main("--config=configs/nope.py", "--workdir=run", cwd=tmp_path))
    assert "there is no file 'configs/nope.py'" in line
    assert os.listdir(tmp_path) == []


def test_an_unknown_config_argument_is_one_error_line(tmp_path):
    line = _one_error_line(_main(f"--config={CONFIG}:tiny", "--workdir=run", cwd=tmp_path))
    assert "Unknown config argument 'tiny': the only one is 'smoke'" in line
    assert os.listdir(tmp_path) == []


def test_the_tpu_strategy_without_a_tpu_is_one_error_line(tmp_path):
    line = _one_error_line(_main(f"--config={CONFIG}:smoke", "--workdir=run",
                                 "--config.runtime.strategy=tpu", cwd=tmp_path))
    assert "runtime.strategy='tpu' found no TPU at runtime.tpu='local' (TPUs not found" in line
    assert "choose runtime.strategy=default or mirrored" in line
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("mode", ["sample", "eval"])
def test_a_corrupt_saved_model_is_one_error_line(exported, tmp_path, mode):
    copy = tmp_path / "export" / "1"
    shutil.copytree(exported, copy)
    with open(copy / "saved_model.pb", "r+b") as f:
        f.truncate(os.path.getsize(copy / "saved_model.pb") // 3)
    line = _one_error_line(_main(f"--mode={mode}", f"--model_path={copy}",
                                 f"--config={CONFIG}:smoke", "--output=out", cwd=tmp_path))
    assert f"{copy} holds a SavedModel that cannot be loaded" in line
    assert "export it again" in line and not (tmp_path / "out").exists()


@pytest.mark.parametrize("output", ["folder", "file/grid.png"])
def test_a_sample_output_that_cannot_be_a_file_is_refused_first(exported, tmp_path, output):
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("the user's")
    line = _one_error_line(_main("--mode=sample", f"--model_path={exported}",
                                 f"--output={output}", cwd=tmp_path))
    assert ("is a folder: name a file, e.g. 'folder/samples.png'" in line) == (
        output == "folder")  # the mode's own default name
    assert (tmp_path / "file").read_text() == "the user's"
    assert os.listdir(tmp_path / "folder") == []


def test_translate_refuses_to_overwrite_its_input(shirts, tmp_path):
    model = keras_identity_export(tmp_path)
    before = {name: (shirts / name).read_bytes() for name in os.listdir(shirts)}
    line = _one_error_line(_main("--mode=translate", f"--model_path={model}",
                                 f"--input={shirts}", f"--output={shirts}", cwd=tmp_path))
    assert "would overwrite the input" in line and str(shirts / "b.png") in line
    assert {name: (shirts / name).read_bytes() for name in os.listdir(shirts)} == before


def test_translate_outputs_that_would_collide_are_refused(shirts, tmp_path):
    Image.open(shirts / "b.png").save(shirts / "a.png")
    paths = image_files.input_paths(str(shirts))
    with pytest.raises(DataError, match="a.jpg and .*a.png would both be written as .*a.png"):
        translate.output_paths(paths, str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()
    del_a = [p for p in paths if not p.endswith("a.png")]
    assert [os.path.basename(p) for p in translate.output_paths(del_a, "out")] == [
        "a.png", "b.png", "c.png"]


def test_a_truncated_jpeg_is_named_before_training(shirts):
    whole = (shirts / "c.jpg").read_bytes()
    (shirts / "c.jpg").write_bytes(whole[:len(whole) // 2])  # valid first bytes, cut short
    with pytest.raises(DataError, match=r"c\.jpg cannot be decoded \(truncated or corrupt\)"):
        image_files.list_images(str(shirts))
    (shirts / "c.jpg").write_bytes(whole)
    assert len(image_files.list_images(str(shirts))) == 3


def test_ctrl_c_says_where_the_run_stopped_and_resumes(tmp_path):
    args = [f"--config={CONFIG}:smoke", "--workdir=run", "--config.train.steps=2000",
            "--config.train.checkpoint_every=2", "--config.train.log_every=2",
            "--config.train.sample_every=1000"]
    # A suite started in the background by a shell inherits SIGINT ignored, and Python then
    # installs no KeyboardInterrupt handler: the child gets Ctrl-C's default back first.
    run = subprocess.Popen([sys.executable, os.path.join(REPO, "main.py"), *args], cwd=tmp_path,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    checkpoints = tmp_path / "run" / "checkpoints"
    wait_until((checkpoints / "ckpt-4.index").exists, 300, "no checkpoint at step 4 in 5 minutes",
               run, every=0.2)
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 130, stderr[-3000:]  # once -11: a crash after the error line?
    assert "Traceback" not in stderr, stderr[-3000:]
    line = stderr.splitlines()[-1]
    assert line.startswith("error: Interrupted at step ") and "is kept: rerun the same" in line
    assert not (tmp_path / "export").exists()  # nothing exported from a stopped run


def test_every_checkpoint_unreadable_is_moved_aside_as_said(smoke_config, tmp_path, capsys):
    run = str(tmp_path / "run")
    train.train(smoke_config, run)  # ckpt-2 and ckpt-4
    directory = workdir.checkpoint_dir(run)
    for name in os.listdir(directory):
        if ".data-" in name:
            with open(os.path.join(directory, name), "r+b") as f:
                f.truncate(os.path.getsize(os.path.join(directory, name)) // 2)
    with pytest.raises(WorkdirError, match="all 2 are moved to .*corrupt. Rerun the command"):
        train.train(smoke_config, run)
    assert capsys.readouterr().err.count("it is moved to") == 2
    assert sorted(os.listdir(os.path.join(directory, "corrupt"))) == [
        "checkpoint", "ckpt-2.data-00000-of-00001", "ckpt-2.index",
        "ckpt-4.data-00000-of-00001", "ckpt-4.index"]
    assert int(train.train(smoke_config, run).model.step.numpy()) == 4  # from step 0 again


@pytest.mark.parametrize("mode, config", [
    ("train", f"{CONFIG}:smoke"),
    ("continual", os.path.join(REPO, "configs", "continual_fashion_mnist.py") + ":jtr,smoke")],
    ids=["train", "continual"])
def test_a_failed_run_leaves_no_empty_export_folder(mode, config, tmp_path):
    line = _one_error_line(_main(f"--mode={mode}", f"--config={config}", "--workdir=run",
                                 "--config.data.idx_dir=nowhere", cwd=tmp_path))
    assert "config.data.idx_dir='nowhere' must hold the IDX files" in line
    assert not (tmp_path / "export").exists()


def test_a_changed_batch_size_on_resume_is_refused(smoke_config, tmp_path):
    run = str(tmp_path / "run")
    workdir.prepare(run, smoke_config)
    before = smoke_config.train.batch_size
    smoke_config.train.batch_size *= 2
    with pytest.raises(WorkdirError, match=f"train.batch_size: {before} in the workdir, "
                                           f"{2 * before} now.*data order"):
        workdir.prepare(run, smoke_config)


def test_eval_refuses_an_export_of_another_model(exported, tmp_path):
    cyclegan = os.path.join(REPO, "configs", "cyclegan_fashion_mnist.py")
    line = _one_error_line(_main("--mode=eval", f"--model_path={exported}",
                                 f"--config={cyclegan}:smoke", cwd=tmp_path))
    assert "was exported by a 'cgan' model, and --config is a 'cyclegan''s" in line


def test_a_results_command_s_bad_flag_is_one_error_line(tmp_path):
    """absl's own parser wrote a FATAL line and usage text, and took --seeds=0."""
    run = subprocess.run([sys.executable, os.path.join(REPO, "benchmarks", "continual.py"),
                          "--seeds=0", "--report_only"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert _one_error_line(run) == "error: flag --seeds=0: 0 is not a positive integer"
    assert "FATAL" not in run.stderr and "--[no]report_only" not in run.stderr
    assert os.listdir(tmp_path) == []


def test_the_throughput_benchmark_refuses_a_count_it_cannot_run(tmp_path):
    """A warm-up of 5 steps once ran no 10-step call and ended in an UnboundLocalError."""
    run = subprocess.run([sys.executable, os.path.join(REPO, "benchmarks", "throughput.py"),
                          "--warmup=5", "--output=t.md"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert "--warmup=5: it must be a multiple of 10" in _one_error_line(run)
    assert not (tmp_path / "t.md").exists()
