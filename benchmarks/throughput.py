"""Train-step throughput of the library's CGAN against a plain tf.function loop.

    python benchmarks/throughput.py               # all settings -> docs/results/throughput.md
    python benchmarks/throughput.py --steps=30    # quicker, noisier

For each precision x XLA setting, one fresh process builds the default config's networks
twice: once as the library's CGAN driven by the training loop's own step function (the one
`tfgan_lab.train` runs, with its distributed iterator, step counter and trackers), once as bare
Keras functional models with a hand-written GradientTape step in a `tf.function` and no Keras
training machinery. The library side runs two ways: its losses read (and checked) after every
step, as with train.log_every=1, and 10 steps per device call read once (train.steps_per_loop
=10, log_every=10). All read the same data pipeline; timed rounds alternate between the
sides, and each reports its median round.
"""

import json
import math
import os
import statistics
import subprocess
import sys
import time

from absl import app, flags

_STEPS = flags.DEFINE_integer("steps", 60, "Timed steps per round (a multiple of 10).")
_ROUNDS = flags.DEFINE_integer("rounds", 5, "Timed rounds per side, alternating.")
_WARMUP = flags.DEFINE_integer("warmup", 10, "Untimed steps per side before timing.")
_ONLY = flags.DEFINE_string("only", None, "Internal: run one 'precision,jit' setting and print "
                            "its JSON result.")
_OUTPUT = flags.DEFINE_string("output", "docs/results/throughput.md", "Markdown table to write.")

SETTINGS = [("float32", False), ("mixed_bfloat16", False), ("float32", True),
            ("mixed_bfloat16", True)]


def _measure(precision: str, jit: bool) -> dict:
    import keras
    import tensorflow as tf

    from tfgan_lab import data, losses, models, runtime, train
    from tfgan_lab.config import base_config
    from tfgan_lab.errors import TrainingDivergedError
    from tfgan_lab.players import adam

    config = base_config("cgan")
    config.runtime.precision, config.runtime.jit_compile = precision, jit
    strategy = runtime.setup(config.runtime, config.seed)
    dataset = data.load(config.data.name)
    info, batch = dataset.info, config.train.batch_size

    gan = train.build(config, info, strategy)
    library_step = train.make_train_function(gan, strategy, jit)
    library_batches = train.distributed_batches(dataset, gan, config, strategy, 0)

    def check(logs: dict) -> None:
        if not all(math.isfinite(v) for v in logs.values()):
            raise TrainingDivergedError(f"Non-finite losses in the benchmark ({precision}, "
                                        f"jit_compile={jit}): {logs}")

    def library(steps: int) -> None:
        for _ in range(steps):
            # Like tfgan_lab.train with train.log_every=1: read the losses back every step.
            check({k: float(v) for k, v in library_step(library_batches).items()})

    def library_loop(steps: int) -> None:
        for _ in range(steps // 10):  # train.steps_per_loop=10: one device call, one read
            check({k: float(v) for k, v in library_step(library_batches, 10).items()})

    model = config.model
    cgan = models.get("cgan")
    generator = cgan.generator_network(config, info)
    discriminator = cgan.discriminator_network(config, info)
    g_opt = adam(config, config.optimizer.g_learning_rate)
    d_opt = adam(config, config.optimizer.d_learning_rate)
    loss = losses.get(model.loss)
    plain_batches = iter(data.train_batches(dataset, batch, config.seed))

    @tf.function(jit_compile=jit)
    def plain_step(images, labels):
        z = tf.random.normal([batch, model.z_dim])
        with tf.GradientTape() as tape:
            fakes = tf.stop_gradient(generator({"z": z, "label": labels}, training=True))
            logits = discriminator({"images": tf.concat([images, fakes], 0),
                                    "label": tf.concat([labels, labels], 0)},
                                   training=True)["logits"]
            real, fake = tf.split(logits, 2)
            d_loss = tf.reduce_mean(loss.discriminator(real, fake))
        d_vars = discriminator.trainable_variables
        d_opt.apply(tape.gradient(d_loss, d_vars), d_vars)
        z = tf.random.normal([batch, model.z_dim])
        with tf.GradientTape() as tape:
            fakes = generator({"z": z, "label": labels}, training=True)
            logits = discriminator({"images": fakes, "label": labels}, training=False)["logits"]
            g_loss = tf.reduce_mean(loss.generator(logits))
        g_vars = generator.trainable_variables
        g_opt.apply(tape.gradient(g_loss, g_vars), g_vars)
        return d_loss, g_loss

    def plain(steps: int) -> None:
        for _ in range(steps):
            result = plain_step(*next(plain_batches))
        float(result[0])

    seconds = {"library": [], "library_loop": [], "plain": []}
    for warm_up in (library, library_loop, plain):
        warm_up(_WARMUP.value)
    for _ in range(_ROUNDS.value):
        for name, fn in (("library", library), ("library_loop", library_loop),
                         ("plain", plain)):
            start = time.perf_counter()
            fn(_STEPS.value)
            seconds[name].append(time.perf_counter() - start)
    rate = {name: _STEPS.value * batch / statistics.median(s) for name, s in seconds.items()}
    return {"precision": precision, "jit_compile": jit, "batch": batch,
            "library": rate["library"], "library_loop": rate["library_loop"],
            "plain": rate["plain"],
            "ratio": rate["library"] / rate["plain"],
            "versions": f"TensorFlow {tf.__version__}, Keras {keras.__version__}"}


def _table(results: list[dict], command: str) -> str:
    from tfgan_lab import runtime

    lines = ["# CGAN train-step throughput: library loop vs plain tf.function loop", "",
             f"Command: `{command}`  ", f"Machine: {runtime.machine_description()}  ",
             f"Software: {results[0]['versions']}  ",
             f"Default config (DCGAN-size CGAN, 28x28 Fashion-MNIST, batch {results[0]['batch']}); "
             f"{_STEPS.value} steps x {_ROUNDS.value} alternating rounds per side, median round.",
             "", "| precision | jit_compile | library img/s | library, 10 steps per call img/s "
             "| plain loop img/s | library / plain |", "|---|---|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['precision']} | {r['jit_compile']} | {r['library']:.0f} | "
                     f"{r['library_loop']:.0f} | {r['plain']:.0f} | {r['ratio']:.3f} |")
    return "\n".join(lines) + "\n"


def _check_flags() -> None:
    """UsageError for a step count the 10-steps-per-call side cannot run, or no round."""
    for flag in (_STEPS, _WARMUP):
        if flag.value < 10 or flag.value % 10:
            raise app.UsageError(f"--{flag.name}={flag.value}: it must be a multiple of 10 (the "
                                 "library's 10-steps-per-call side runs 10 steps a call).")
    if _ROUNDS.value < 1:
        raise app.UsageError(f"--rounds={_ROUNDS.value}: at least one round is timed.")


def main(argv: list[str]) -> None:
    del argv
    _check_flags()  # (before TensorFlow's import: seconds)
    from tfgan_lab import files
    from tfgan_lab.errors import EvaluationError

    if _ONLY.value:
        precision, jit = _ONLY.value.split(",")
        print(json.dumps(_measure(precision, jit == "True")))
        return
    results = []
    for precision, jit in SETTINGS:
        measured = subprocess.run(
            [sys.executable, __file__, f"--only={precision},{jit}", f"--steps={_STEPS.value}",
             f"--rounds={_ROUNDS.value}", f"--warmup={_WARMUP.value}"],
            capture_output=True, text=True)
        if measured.returncode:  # (its own `error:` line, or the end of its traceback)
            last = (measured.stderr.strip().splitlines() or ["no output"])[-1]
            raise EvaluationError(f"Measuring {precision} with jit_compile={jit} failed, so "
                                  f"{_OUTPUT.value} is left as it was: {last}")
        results.append(json.loads(measured.stdout.strip().splitlines()[-1]))
        print(f"{precision:15s} jit={jit!s:5s} library {results[-1]['library']:6.0f} img/s  "
              f"plain {results[-1]['plain']:6.0f} img/s  ratio {results[-1]['ratio']:.3f}",
              flush=True)
    command = "python benchmarks/throughput.py " + " ".join(
        f"--{f}={flags.FLAGS[f].value}" for f in ("steps", "rounds", "warmup"))
    os.makedirs(os.path.dirname(_OUTPUT.value), exist_ok=True)
    files.write_text(_OUTPUT.value, _table(results, command))
    print(f"Wrote {_OUTPUT.value}")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from tfgan_lab.console import quiet_tensorflow, run_command

    quiet_tensorflow()  # before TensorFlow's first import: its C++ start-up lines hidden
    run_command(main)
