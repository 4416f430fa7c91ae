"""What the results commands share: their runs kept seed by seed (benchmarks/seed_runs.py) and
their reports over seeds (benchmarks/reporting.py)."""

import json
import os
import time

import pytest
import tensorflow as tf

from benchmarks import reporting, seed_runs
from tfgan_lab import runtime, workdir
from tfgan_lab.errors import WorkdirError

from conftest import smoke


def test_seeded_runs_start_at_the_configs_seed_each_in_its_folder(tmp_path):
    config = smoke("cyclegan")
    config.seed = 5
    runs = seed_runs.seeded(config, str(tmp_path), 3, "served")
    assert [(r.config.seed, r.workdir, r.export_dir) for r in runs] == [
        (5, str(tmp_path / "seed5"), "served"),
        *[(seed, str(tmp_path / f"seed{seed}"), str(tmp_path / f"seed{seed}" / "export"))
          for seed in (6, 7)]]
    runs[1].config.train.steps = 1  # copies: the caller's config and the others stay as they were
    assert config.seed == 5 and config.train.steps == runs[0].config.train.steps != 1
    assert seed_runs.seeded(config, str(tmp_path), 1)[0].export_dir == str(
        tmp_path / "seed5" / "export")


def test_a_seed_is_measured_once_while_its_exports_are_there(tmp_path, monkeypatch):
    seed = seed_runs.seeded(smoke("cyclegan"), str(tmp_path / "runs"), 1,
                            str(tmp_path / "served"))[0]
    calls = []

    def measure() -> dict:
        calls.append(1)
        path = tmp_path / "served" / "model" / str(len(calls))
        path.mkdir(parents=True)
        return {"accuracy": 0.5, "exports": {"a2b": str(path)}}

    os.makedirs(seed.workdir)
    first = seed_runs.measured_once(seed, measure)
    assert seed_runs.measured_once(seed, measure) == first and len(calls) == 1
    os.rmdir(first["exports"]["a2b"])  # its export has gone: measured (and exported) again
    assert seed_runs.measured_once(seed, measure)["exports"]["a2b"].endswith("2")
    assert len(calls) == 2
    monkeypatch.chdir(tmp_path)  # the same folder by a relative path: read back
    assert seed_runs.measured_once(seed._replace(export_dir="served"), measure)["exports"][
        "a2b"].endswith("2") and len(calls) == 2
    seed_runs.measured_once(seed._replace(export_dir=str(tmp_path / "other")), measure)
    assert len(calls) == 3  # another --export_dir: measured again, not read back


def test_records_give_back_a_run_only_with_the_config_it_was_recorded_with(tmp_path):
    path = str(tmp_path / "results.json")
    config = smoke("cyclegan")
    seed_runs.Records(path).put("seed0/cyclegan", config, {"accuracy": 0.5, "tasks": [(0, 1)]},
                                {"first": 0.9})
    records = seed_runs.Records(path)  # read back from the file, as on another day
    entry = records.get("seed0/cyclegan", config)
    assert entry["result"] == {"accuracy": 0.5, "tasks": [[0, 1]]}
    assert entry["machine"] == runtime.machine_description() and entry["judges"] == {
        "first": 0.9}
    assert records.get("seed1/cyclegan", config) is None
    config.train.steps += 1
    assert records.get("seed0/cyclegan", config) is None
    records.put("seed0/cyclegan", config, {"accuracy": 0.75})  # a retrained run replaces it
    assert seed_runs.Records(path).get("seed0/cyclegan", config)["result"] == {"accuracy": 0.75}


def test_a_record_is_read_back_only_when_its_run_is_gone(tmp_path, capsys):
    records, config, run = seed_runs.Records(str(tmp_path / "r.json")), smoke("cyclegan"), \
        tmp_path / "seed0"
    records.put("seed0", config, {"accuracy": 0.5})
    run.mkdir()
    assert records.read_back("seed0", config, str(run)) is None  # there: resumed, not read
    run.rmdir()
    assert records.read_back("seed0", config, str(run))["result"] == {"accuracy": 0.5}
    assert capsys.readouterr().out == (f"seed0: read from {records.path} (its run, on "
                                       f"{runtime.machine_description()}, is not in {run})\n")
    config.seed = 1
    assert records.read_back("seed0", config, str(run)) is None  # another config: trained
    assert records.recorded("seed0", config) is None
    assert records.recorded("seed0", config) is None
    assert capsys.readouterr().out == (  # said once, though two rows start from the run
        "seed0 is not recorded with this config: left out of the report.\n")


def test_a_record_older_than_a_field_matches_the_field_at_its_default(tmp_path):
    path = tmp_path / "results.json"
    config = smoke("cyclegan")
    seed_runs.Records(str(path)).put("seed0/cyclegan", config, {"accuracy": 0.5})
    stored = json.loads(path.read_text())
    del stored["seed0/cyclegan"]["config"]["model"]["cycle_weight"]  # recorded before it existed
    path.write_text(json.dumps(stored))
    assert seed_runs.Records(str(path)).get("seed0/cyclegan", config)["result"] == {
        "accuracy": 0.5}
    config.model.cycle_weight += 1.0  # the field away from its default: another run
    assert seed_runs.Records(str(path)).get("seed0/cyclegan", config) is None


def test_a_record_matches_its_input_exports_wherever_they_were(tmp_path):
    path = str(tmp_path / "results.json")
    config = smoke("causalgan")
    config.model.controller = "/elsewhere/runs/controller/seed1/export/controller/1"
    seed_runs.Records(path).put("image/seed1", config, {"accuracy": 0.5})
    config.model.controller = "runs/controller/seed1/export/controller/1"  # another --workdir
    assert seed_runs.Records(path).get("image/seed1", config)["result"] == {"accuracy": 0.5}
    config.model.controller = ""  # no controller: other metrics
    assert seed_runs.Records(path).get("image/seed1", config) is None


def test_a_corrupt_record_says_how_to_recover(tmp_path):
    path = tmp_path / "results.json"
    path.write_text('{"seed0/cyclegan": {"config"')  # cut off mid-write by another tool
    with pytest.raises(WorkdirError, match="not a readable record.*git checkout -- .*delete it"):
        seed_runs.Records(str(path))


def test_the_header_names_which_seeds_ran_on_which_machine_and_judges():
    def entry(machine: str, precision: str = "auto") -> dict:  # a run's record
        return {"config": {"runtime": {"precision": precision}}, "machine": machine}

    def machines(runs: list[tuple[str, int, str]]) -> str:
        return reporting.machines_line([(what, seed, entry(m)) for what, seed, m in runs])

    assert machines([("", 0, "A"), ("", 0, "A"), ("", 1, "A")]) == "Machine: A  "
    assert machines([("", 0, "A"), ("", 1, "B"), ("", 1, "A"), ("", 2, "B")]) == (
        "Machines (times compare only within one): seeds 0, 1 on A; seeds 1, 2 on B  ")
    # Several rows (or methods): seeds alone while each seed ran on one machine; else each
    # machine names what ran there.
    assert machines([("sft", 0, "A"), ("ra", 0, "A"), ("sft", 1, "B"), ("ra", 1, "B")]) == (
        "Machines (times compare only within one): seed 0 on A; seed 1 on B  ")
    assert machines([("dual", 0, "A"), ("dual", 1, "A"), ("ceiling", 0, "B"),
                     ("unsupervised", 0, "A")]) == (
        "Machines (times compare only within one): dual seeds 0, 1 and unsupervised seed 0 on A; "
        "ceiling seed 0 on B  ")
    # The policy each run trained in, from its record: what precision auto picked there.
    native, emulated = "EPYC, native bfloat16 (CPU (avx512_bf16))", "EPYC, bfloat16 emulated"
    assert reporting.precision_text([("", 0, entry(native)),
                                     ("", 1, entry(emulated, "mixed_bfloat16"))]) == (
        "mixed_bfloat16")
    assert reporting.precision_text([("dual", 0, entry(native)), ("dual", 1, entry(native)),
                                     ("ceiling", 0, entry(emulated))]) == (
        "mixed_bfloat16 for dual seeds 0, 1; float32 for ceiling seed 0")
    assert reporting.judge_accuracy_text([("", 0, 0.92474), ("", 1, 0.92471)]) == "0.9247"
    assert reporting.judge_accuracy_text([("", 0, 0.9247), ("", 1, 0.9259), ("", 2, 0.9259)]) == (
        "0.9247 (seed 0), 0.9259 (seeds 1, 2)")
    # A seed scored by two judges (its methods run on two machines): what ran is named.
    runs = [(method, seed, 0.9247 if seed == 0 else 0.9270) for seed in (0, 1, 2)
            for method in ("dgr", "sft", "ra")]
    runs[-2:] = [("sft", 2, 0.9235), ("ra", 2, 0.9235)]
    assert reporting.judge_accuracy_text(runs) == (
        "0.9247 (dgr, sft, ra seed 0), 0.9270 (dgr seeds 1, 2 and sft, ra seed 1), "
        "0.9235 (sft, ra seed 2)")


def test_means_over_seeds_of_the_floats_all_runs_share_and_what_they_have_alike():
    results = [{"seed": 0, "accuracy": 0.9, "per_group": [0.0, 1.0], "tasks": [[0, 1]],
                "export": "a", "only": 1.0},
               {"seed": 1, "accuracy": 1.0, "per_group": [1.0, 0.0], "tasks": [[0, 1]],
                "export": "b"}]
    assert reporting.mean_over_seeds(results) == {
        "accuracy": pytest.approx(0.95), "per_group": [0.5, 0.5], "tasks": [[0, 1]]}


def test_a_cell_gives_mean_and_spread_and_the_second_judges_after_a_slash():
    results = [{"accuracy": 0.9, "accuracy_second": 0.8, "l1": 0.1},
               {"accuracy": 1.0, "accuracy_second": 0.8, "l1": 0.3}]
    assert reporting.seeds_cell(results, "accuracy") == "0.950 ± 0.071 / 0.800 ± 0.000"
    assert reporting.seeds_cell(results, "l1", 2) == "0.20 ± 0.14"
    assert reporting.seeds_cell(results[:1], "l1") == "0.100"


def test_a_header_names_one_seed_as_such():
    assert reporting.seeds_text([0])[0] == "seed 0"
    assert "One seed" in reporting.seeds_text([0])[1]
    label, cells = reporting.seeds_text([3, 4, 5])
    assert label == "seeds 3, 4, 5" and "over the 3 seeds" in cells


def test_training_time_sums_the_invocations_and_counts_a_killed_one_to_its_checkpoint(tmp_path):
    config = smoke("cgan")
    config.train.update(steps=2, checkpoint_every=1)
    _, seconds = seed_runs.train_timed(config, str(tmp_path))
    record = json.loads((tmp_path / "benchmark_seconds.json").read_text())
    assert record == {"seconds": seconds} and seconds > 0
    # As if a later invocation had started 30 s before the last checkpoint and been killed.
    checkpoint = tf.train.latest_checkpoint(str(tmp_path / "checkpoints"))
    started = os.path.getmtime(checkpoint + ".index") - 30
    (tmp_path / "benchmark_seconds.json").write_text(json.dumps(
        {"seconds": seconds, "running_since": started}))
    _, total = seed_runs.train_timed(config, str(tmp_path))  # finished: nothing to train
    assert total == pytest.approx(seconds + 30)
    assert json.loads((tmp_path / "benchmark_seconds.json").read_text()) == {"seconds": total}


def test_a_killed_invocation_counts_to_its_last_saved_work(tmp_path):
    """workdir.timed, which the continual runner's tasks use: the record of a killed invocation
    (running_since) is closed at the time its work was last saved."""
    record = str(tmp_path / "seconds.json")
    result, seconds = workdir.timed(record, lambda: "done", lambda: None)
    assert result == "done" and 0 < seconds < 1
    started = time.time() - 100
    (tmp_path / "seconds.json").write_text(json.dumps({"seconds": 5.0,
                                                       "running_since": started}))
    _, total = workdir.timed(record, lambda: None, lambda: started + 40)
    assert 45 <= total < 46 and json.loads((tmp_path / "seconds.json").read_text()) == {
        "seconds": total}
    (tmp_path / "seconds.json").write_text(json.dumps({"seconds": 5.0,
                                                       "running_since": started}))
    assert workdir.timed(record, lambda: None, lambda: None, finished=True)[1] == 5.0


def test_work_refused_before_it_saved_anything_leaves_no_record(tmp_path):
    """A run refused at its start (an input that does not exist, say) leaves neither its
    time record nor the folders made for it; an error after saved work keeps the record."""
    workdir_path = tmp_path / "runs" / "row" / "seed0"
    record = workdir_path / "seconds.json"

    def refused():
        raise ValueError("refused")

    for saved in (None, time.time()):
        with pytest.raises(ValueError, match="refused"):
            with workdir.removed_if_left_empty(str(workdir_path)):
                workdir_path.mkdir(parents=True)
                workdir.timed(str(record), refused, lambda saved=saved: saved)
        if saved is None:
            assert list(tmp_path.iterdir()) == []
    assert "running_since" in json.loads(record.read_text())
