"""What the results commands share to report over seeds (benchmarks/reporting.py)."""

import json
import os

import pytest
import tensorflow as tf

from benchmarks import reporting

from conftest import smoke


def test_seeded_runs_start_at_the_configs_seed_each_in_its_folder(tmp_path):
    config = smoke("cyclegan")
    config.seed = 5
    runs = reporting.seeded(config, str(tmp_path), 3)
    assert [(c.seed, path) for c, path in runs] == [
        (seed, str(tmp_path / f"seed{seed}")) for seed in (5, 6, 7)]
    runs[1][0].train.steps = 1  # copies: the caller's config and the other seeds' stay as they were
    assert config.seed == 5 and config.train.steps == runs[0][0].train.steps != 1


def test_means_over_seeds_of_the_numbers_all_runs_share():
    results = [{"seed": 0, "accuracy": 0.9, "per_group": [0.0, 1.0], "export": "a", "only": 1},
               {"seed": 1, "accuracy": 1.0, "per_group": [1.0, 0.0], "export": "b"}]
    assert reporting.mean_over_seeds(results) == {"seed": 0.5, "accuracy": pytest.approx(0.95),
                                                  "per_group": [0.5, 0.5]}


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
    _, seconds = reporting.train_timed(config, str(tmp_path))
    record = json.loads((tmp_path / "benchmark_seconds.json").read_text())
    assert record == {"seconds": seconds} and seconds > 0
    # As if a later invocation had started 30 s before the last checkpoint and been killed.
    checkpoint = tf.train.latest_checkpoint(str(tmp_path / "checkpoints"))
    started = os.path.getmtime(checkpoint + ".index") - 30
    (tmp_path / "benchmark_seconds.json").write_text(json.dumps(
        {"seconds": seconds, "running_since": started}))
    _, total = reporting.train_timed(config, str(tmp_path))  # finished: nothing to train
    assert total == pytest.approx(seconds + 30)
    assert json.loads((tmp_path / "benchmark_seconds.json").read_text()) == {"seconds": total}
