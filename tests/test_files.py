import json
import os

import pytest

from tfgan_lab import files


def test_write_json_round_trip_leaves_only_the_file(tmp_path):
    path = str(tmp_path / "record.json")
    files.write_json(path, {"seconds": 1.5})
    files.write_json(path, {"seconds": 2.5})
    with open(path) as f:
        assert json.load(f) == {"seconds": 2.5}
    assert os.listdir(tmp_path) == ["record.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_partial(tmp_path):
    path = str(tmp_path / "task_1.weights.h5")
    files.write_text(path, "old")
    with pytest.raises(RuntimeError), files.written_whole(path) as partial:
        assert partial == str(tmp_path / "task_1.partial.weights.h5")  # extensions kept
        with open(partial, "w") as f:
            f.write("half")
        raise RuntimeError("killed mid-write")
    with open(path) as f:
        assert f.read() == "old"
    assert os.listdir(tmp_path) == ["task_1.weights.h5"]


def test_a_folder_is_written_whole(tmp_path):
    target = str(tmp_path / "task_1")
    with pytest.raises(RuntimeError), files.written_whole(target) as partial:
        os.makedirs(os.path.join(partial, "generator"))
        raise RuntimeError("killed mid-copy")
    assert os.listdir(tmp_path) == []
    with files.written_whole(target) as partial:
        os.makedirs(os.path.join(partial, "generator"))
    assert os.listdir(target) == ["generator"]
