"""Learning without forgetting on split Fashion-MNIST: fine-tuning, joint training, Deep
Generative Replay and Memory Replay GANs (SFT, JTR, RA), one after the other, over seeds.

    python benchmarks/continual.py       # 5 tasks of 2 classes, 3 seeds; ~1.5 h a seed on 2 cores
    python benchmarks/continual.py --classes_per_task=1 --workdir=runs/continual_10 \
        --results=docs/results/continual_10 --generator_steps=dgr=1000 \
        --generator_steps=sft=500 --generator_steps=jtr=300 --generator_steps=ra=300
    # 10 tasks of 1 class, half the generator steps per task: the same steps over the stream

Each method runs `python main.py --mode=continual` with configs/continual_fashion_mnist.py (its
per-task steps set by --generator_steps and --solver_steps; the config's smoke size with
--smoke, as the tests run it) and seeds config.seed, +1, ...
(--seeds of them), in --workdir/seed<seed>/<method>, and resumes if interrupted. The first
seed's exports go into --export_dir, the others' into --workdir/seed<seed>/export. Writes into
--results: continual.md (each method's measure as mean ± sd over the seeds by both judges, the
bars of issue 4 checked on the means, then the tables and matrices averaged over the seeds),
continual.png (mean accuracy over the tasks seen against the task) and continual_<method>.png
(every class after the last task, first seed, for SFT, JTR and RA), and continual.json: each
run's result, config, machine and judges, written as the run finishes. With --from_records, a run
whose workdir folder is gone is read back from continual.json when it was recorded with the same
config, so that the 10-task stream (about 100 min a seed) can run a seed per sitting:

    python benchmarks/continual.py --from_records --seeds=2 ...   # seed 0 read back, seed 1 trained

With --report_only it trains nothing and writes the report from continual.json alone, each
method over the seeds recorded for it so far (of the first --seeds), naming those left out.
"""

import functools
import importlib.util
import os
import shutil
import sys
from collections.abc import Callable

import numpy as np
from absl import flags, logging

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tfgan_lab.console import quiet_tensorflow, run_command  # noqa: E402

quiet_tensorflow()  # before TensorFlow's first import: its C++ start-up lines hidden

from benchmarks import reporting, seed_runs  # noqa: E402
from tfgan_lab import continual, files  # noqa: E402
from tfgan_lab import eval as eval_lib  # noqa: E402
from tfgan_lab.config import validate  # noqa: E402
from tfgan_lab.continual import report  # noqa: E402

METHODS = continual.METHODS.names()
MEMORY_REPLAY_METHODS = [m for m in METHODS if continual.METHODS.get(m).scores_generator]
GENERATOR_METHODS = [m for m in METHODS if continual.METHODS.get(m).trains_generator]

_CLASSES_PER_TASK = flags.DEFINE_integer("classes_per_task", 2, "Classes per task.")
_GENERATOR_STEPS = flags.DEFINE_multi_string(
    "generator_steps", [], "METHOD=STEPS: generator steps per task, for METHOD; the others "
    "keep the config's (MeRGAN steps hold 5 critic updates each).")
_SOLVER_STEPS = flags.DEFINE_integer("solver_steps", None, "Solver steps per task (default: "
                                     "the config's, 500; 4 with --smoke).")
_SMOKE = flags.DEFINE_boolean("smoke", False, "Every method at smoke size: a few steps of each "
                              "task, task accuracies on 1000 test images (tests).")
_METHODS = flags.DEFINE_list("methods", list(METHODS), "Methods to run.")
_SEEDS = flags.DEFINE_integer("seeds", 3, "Seeds to run: config.seed, config.seed + 1, ...",
                              lower_bound=1)
_WORKDIR = flags.DEFINE_string("workdir", "runs/continual",
                               "Where the runs live: seed<N>/<method> each.")
_EXPORT_DIR = flags.DEFINE_string("export_dir", "export", "Where the first seed's exports of "
                                  "every task go (the others' go into seed<N>/export).")
_RESULTS = flags.DEFINE_string("results", "docs/results", "Where the report is written, with "
                               "continual.json: every run's result, config, machine and judges.")
_FROM_RECORDS = flags.DEFINE_boolean(
    "from_records", False, "Read a run whose --workdir folder is gone from --results' "
    "continual.json if it was recorded there with the same config, instead of training it "
    "again: a stream longer than one sitting runs seed by seed, on fresh machines.")
_REPORT_ONLY = flags.DEFINE_boolean(
    "report_only", False, "Train nothing: write the report from continual.json alone, each "
    "method over its seeds recorded so far (of the first --seeds), while others still run.")

# Issue 4's bars for 5 tasks of 2 classes: (summary key, bound, at most / at least).
BARS = {"finetune": ("average_accuracy", 0.25, "<="), "joint": ("average_accuracy", 0.88, ">="),
        "dgr": ("average_accuracy", 0.70, ">="), "sft": ("generator_seen_accuracy", 0.25, "<="),
        "jtr": ("generator_seen_accuracy", 0.80, ">="),
        "ra": ("generator_seen_accuracy", 0.80, ">=")}


def _config(method: str, seed_offset: int = 0):
    spec = importlib.util.spec_from_file_location(
        "continual_config", os.path.join(REPO, "configs", "continual_fashion_mnist.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    config = module.get_config(f"{method},smoke" if _SMOKE.value else method)
    steps = dict(item.split("=") for item in _GENERATOR_STEPS.value)
    config.continual.classes_per_task = _CLASSES_PER_TASK.value
    if _SOLVER_STEPS.value is not None:  # (0 too: refused by validate below)
        config.continual.solver_steps = _SOLVER_STEPS.value
    config.continual.generator_steps = int(steps.get(method, config.continual.generator_steps))
    config.seed += seed_offset
    validate(config)
    return config


def _verdict(value: float, bound: float, direction: str) -> str:
    held = value <= bound if direction == "<=" else value >= bound
    return "met" if held else f"MISSED by {100 * abs(value - bound):.2f} points"


def _bar(seeds: list[dict]) -> str:
    """A method's measure over its seeds' summaries, mean ± sd, against its bar; a generator's
    by both judges."""
    key, bound, direction = BARS[seeds[0]["method"]]
    judged = []
    for judge, suffix in eval_lib.SUFFIXES.items():
        if f"{key}{suffix}" in seeds[0]:
            values = [s[f"{key}{suffix}"] if key == "average_accuracy"
                      else s[f"{key}{suffix}"][-1] for s in seeds]
            judged.append((f"{judge} judge " if key != "average_accuracy" else "", values))
    measured = [(judge, 100 * np.asarray(values)) for judge, values in judged]
    if _CLASSES_PER_TASK.value != 2:
        return ", ".join(f"{judge}{reporting.mean_spread(v, 1)}%" for judge, v in measured) + (
            " (no bar: the issue sets them for 5 tasks of 2 classes)")
    return ", ".join(f"{judge}{reporting.mean_spread(v, 2)}% (bar {direction} "
                     f"{100 * bound:.0f}%: {_verdict(float(np.mean(v)) / 100, bound, direction)})"
                     for judge, v in measured)


def _mergan_description() -> str:
    config = _config("jtr")
    model, optimizer = config.model, config.optimizer
    classes = ("D's class head learning real images only"
               if not model.classify_fakes else "D's class head learning fakes too")
    return (f"an AC-GAN + WGAN-GP ({model.critic_steps} critic updates per step, penalty "
            f"{model.gradient_penalty:g}, {classes}, G's class loss weight "
            f"{model.generator_class_weight:g}, Adam {optimizer.g_learning_rate:g} "
            f"({optimizer.beta_1:g}, {optimizer.beta_2:g}))")


def _generators_description(summaries: list[dict]) -> str:
    """The generators' steps per task (dgr=2000, sft=1000, ...) and settings; '' if none ran."""
    steps = ", ".join(f"{s['method']}={_config(s['method']).continual.generator_steps}"
                      for s in summaries if s["method"] in GENERATOR_METHODS)
    if not steps:
        return ""
    return (f"Generators, steps per task: {steps}; DGR's is an unconditional DCGAN, MeRGAN's "
            f"{_mergan_description()}, G taking its label through "
            f"{_conditionings()}. Replay share of new data r = 1/t; RA weight "
            f"{_config('ra').continual.alignment_weight:g}. ")


def _conditionings() -> str:
    """How each Memory Replay GAN's G takes its label: 'a label embedding (sft, jtr),
    conditional batch norm (ra)'."""
    names = {"embedding": "a label embedding", "batch_norm": "conditional batch norm"}
    by_kind: dict[str, list[str]] = {}
    for method in MEMORY_REPLAY_METHODS:
        by_kind.setdefault(names[_config(method).model.generator_conditioning], []).append(method)
    return ", ".join(f"{kind} ({', '.join(methods)})" for kind, methods in by_kind.items())


def _header(runs: dict[str, list[dict]], entries: list[tuple[int, dict]],
            command: str) -> list[str]:
    """The report's header; `entries` are its runs' (seed, record entry)."""
    first = [seeds[0] for seeds in runs.values()]
    config, count = _config(first[0]["method"]), max(len(seeds) for seeds in runs.values())
    ran = [(entry["result"]["method"], seed, entry) for seed, entry in entries]
    judges = reporting.judges_text(ran)
    seeds_label, cells = reporting.seeds_text(sorted({seed for seed, _ in entries}))
    fewer = [f"{report.title(method)}: " + reporting.seeds_text(
        [seed for ran_method, seed, _ in ran if ran_method == method])[0]
        for method, seeds in runs.items() if len(seeds) < count]
    if fewer:  # (--report_only, while some still run)
        seeds_label += f" (so far {'; '.join(fewer)})"
    lines = [
        "# Learning without forgetting: split Fashion-MNIST", "",
        f"Command: `{command}`  ",
        reporting.machines_line(ran),
        f"Tasks: {len(first[0]['tasks'])} class-incremental tasks of "
        f"{_CLASSES_PER_TASK.value} class{'es' * (_CLASSES_PER_TASK.value != 1)}, in class "
        f"order; batch {config.train.batch_size}, "
        f"{reporting.precision_text(ran)}, {seeds_label}. Solvers: the reference "
        f"classifier's network, {config.continual.solver_steps} steps per task, each task "
        f"starting from the previous solver, label smoothing "
        f"{_config('finetune').continual.label_smoothing:g}. "
        + _generators_description(first) + " ",
        f"Reference classifiers (the judges of generated samples): the first, test accuracy "
        f"{judges['first']}, on which the settings were chosen; the second, "
        f"{reporting.SECOND_JUDGE}, {judges['second']}. Generated-sample accuracy: "
        f"{config.eval.num_samples // 10} samples per class, fixed noise, through the exported "
        f"SavedModel. {cells}"
        + ("; the bars are checked on the means." if count > 1 else "."), "",
        "| method | measured | training time (its tasks summed) |", "|---|---|---:|"]
    lines += [f"| {report.title(method)} | {_bar(seeds)} | " + reporting.mean_spread(
        [sum(row["seconds"] for row in s["rows"]) / 60 for s in seeds], 1) + " min |"
        for method, seeds in runs.items()]
    lines += ["", "Solvers: ACC is the mean accuracy over all tasks after the last one, BWT the "
              "mean change of each earlier task's accuracy from just after it was learned "
              "(Lopez-Paz & Ranzato 2017). Generators: the reference classifiers' accuracy on "
              "samples of every class seen so far." + (
                  " The tables, matrices and figure below are means over the seeds."
                  if count > 1 else ""), "",
              "![accuracy against task](continual.png)", ""]
    grids = [m for m in MEMORY_REPLAY_METHODS if m in runs]
    if grids:
        lines += [f"Every class after the last task (one row per class; seed {config.seed}):",
                  "", "| " + " | ".join(report.title(m) for m in grids) + " |",
                  "|" + "---|" * len(grids),
                  "| " + " | ".join(f"![{m}](continual_{m}.png)" for m in grids) + " |", ""]
    return lines


def _same_first_task(a, b) -> bool:
    """Whether configs `a` and `b` differ in nothing but the method (and so the name) and the
    alignment weight: the first task has nothing to replay or align to."""
    a, b = a.to_dict(), b.to_dict()
    for config in (a, b):
        del config["name"], config["continual"]["method"], config["continual"]["alignment_weight"]
    return a == b


def _copy_first_task(method: str, seed_dir: str, offset: int) -> None:
    """SFT, JTR and RA train the same first task (nothing to replay yet): with the same
    config and seed it is the same run, so it is trained once and copied to the others."""
    target = os.path.join(seed_dir, method, "task_1")
    if method not in MEMORY_REPLAY_METHODS or os.path.exists(target):
        return
    for other in MEMORY_REPLAY_METHODS:
        source = os.path.join(seed_dir, other, "task_1")
        if (other != method and os.path.exists(os.path.join(source, "result.json"))
                and _same_first_task(_config(method, offset), _config(other, offset))):
            print(f"{method}: task 1 copied from {other}'s (the same run)")
            with files.written_whole(target) as partial:
                shutil.copytree(source, partial)
            return


def _entry(method: str, offset: int, seed: seed_runs.Seed, records: seed_runs.Records,
           judges: Callable[[], dict[str, float]]) -> dict | None:
    """The record of `method`'s run of `seed`: read back (--report_only, or --from_records when
    its workdir folder is gone), or trained (resuming) and recorded. None: --report_only found
    none."""
    config, run = _config(method, offset), os.path.join(seed.workdir, method)
    key = f"seed{config.seed}/{method}"
    if _REPORT_ONLY.value:
        return records.recorded(key, config)
    entry = records.read_back(key, config, run) if _FROM_RECORDS.value else None
    if entry:
        return entry
    _copy_first_task(method, seed.workdir, offset)
    entry = records.put(key, config, continual.run(config, run, seed.export_dir), judges())
    if method in MEMORY_REPLAY_METHODS and offset == 0:
        last = len(entry["result"]["tasks"])
        shutil.copy(os.path.join(run, f"task_{last}", "samples.png"),
                    os.path.join(_RESULTS.value, f"continual_{method}.png"))
    return entry


def main(argv: list[str]) -> None:
    del argv
    logging.set_verbosity(logging.WARNING)
    methods = sorted(_METHODS.value, key=METHODS.index)
    for method in methods:  # every config checked before anything is written
        _config(method)
    if not _REPORT_ONLY.value:  # which reads the folder's records, and writes only beside them
        os.makedirs(_RESULTS.value, exist_ok=True)
    # Trained at the first run if not cached (not at all with --report_only).
    judges = functools.cache(lambda: reporting.judge_accuracies(_config(methods[0])))
    runs: dict[str, list[dict]] = {method: [] for method in methods}
    seeds = seed_runs.seeded(_config(methods[0]), _WORKDIR.value, _SEEDS.value,
                             _EXPORT_DIR.value)
    records = seed_runs.Records(os.path.join(_RESULTS.value, "continual.json"))
    entries = []
    for offset, seed in enumerate(seeds):  # seed by seed, so that each seed's table completes
        for method in _METHODS.value:
            entry = _entry(method, offset, seed, records, judges)
            if entry:
                runs[method].append(entry["result"])
                entries.append((seed.config.seed, entry))
    runs = {method: results for method, results in runs.items() if results}
    if not runs:
        raise records.none_of(f"the methods {methods}")
    means = [reporting.mean_over_seeds(summaries) for summaries in runs.values()]
    report.plot(means, os.path.join(_RESULTS.value, "continual.png"))
    command = " ".join(["python benchmarks/continual.py"] + sys.argv[1:])
    text = "\n".join(_header(runs, entries, command) + report.markdown(means)).rstrip() + "\n"
    files.write_text(os.path.join(_RESULTS.value, "continual.md"), text)
    print(text)


if __name__ == "__main__":
    run_command(main)
