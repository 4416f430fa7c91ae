"""The built-in modes of the command line: train, export, sample, eval, train_classifier.

Each works for every registered model, through its class: its data, its exports, its
evaluator. (Continual learning's mode is in tfgan_lab/continual/runner.py, translation's in
tfgan_lab/translate.py.)
"""

import shutil
import tempfile

from ml_collections import ConfigDict

from tfgan_lab import eval as eval_lib
from tfgan_lab import export, files, images, models, modes, train, workdir
from tfgan_lab.errors import ConfigError, ExportError


def _export(trained: train.Trained, config: ConfigDict, export_dir: str, workdir_path: str,
            again: bool) -> None:
    """Exports on every worker (saving may need all of them); only the chief's copy is kept.
    Unless `again`, a model whose newest exports already hold this step of this workdir (a
    rerun of a finished run) is not exported once more."""
    exports, step = trained.model.exports(), int(trained.model.step.numpy())
    current = export.current_exports(exports, step, export_dir, config.name, workdir_path)
    if current and not again:
        if trained.chief:
            print(f"Already exported at step {step}: {', '.join(current.values())} "
                  "(--mode=export writes a new version)")
        return
    target = export_dir if trained.chief else tempfile.mkdtemp()
    try:
        paths = export.export_model(trained.model, target, config.name, workdir_path,
                                    exports).values()
    finally:
        if not trained.chief:
            shutil.rmtree(target, ignore_errors=True)
    if trained.chief:
        for path in paths:
            print(f"Exported {path}")


@modes.register("train", "train (resuming from the workdir's last checkpoint), then export.")
def train_mode(context: modes.Context) -> None:
    config, workdir_path = context.config(), context.require_workdir()
    workdir.ensure_writable(context.export_dir, "export directory", create=False)
    _export(train.train(config, workdir_path), config, context.export_dir, workdir_path,
            again=False)


@modes.register("export", "export the workdir's latest checkpoint, or the one its "
                          "evaluations selected (eval.select_by); its config is the "
                          "workdir's unless --config is given.")
def export_mode(context: modes.Context) -> None:
    workdir_path = context.require_workdir()
    config = context.config()
    workdir.ensure_writable(context.export_dir, "export directory", create=False)
    _export(train.restore_latest(config, workdir_path), config, context.export_dir, workdir_path,
            again=True)


@modes.register("sample", "write a PNG grid from an exported generator (--model_path, or the "
                          "newest export of config.name), one row per class.")
def sample_mode(context: modes.Context) -> None:
    path, config = context.export_path()
    output = context.output_file("samples.png")
    generator = export.load_generator(path)
    if generator.conditional and generator.num_classes is None:
        raise ExportError(f"{path} does not record its number of classes (not exported by "
                          "tfgan_lab): sample it from Python with "
                          "tfgan_lab.export.load_conditional_generator.")
    columns = context.columns
    rows = generator.num_classes if generator.conditional else columns
    z, labels = images.grid_inputs(generator.z_dim, rows, columns,
                                   config.seed if config is not None else 0,
                                   same_noise_per_column=generator.conditional)
    images.write_png(output, generator(z, labels).numpy(), columns)
    what = "classes" if generator.conditional else "samples"
    print(f"Wrote {output}: {rows} rows ({what}) x {columns} from {path}")


@modes.register("eval", "the model's metrics, of the workdir's latest checkpoint or of the "
                        "export --model_path (read through its serving signature), printed and "
                        "written as JSON (--output, default eval.json).")
def eval_mode(context: modes.Context) -> None:
    config = context.config()
    model_class = models.of(config)
    output = context.output_file("eval.json")
    role = None
    if context.model_path:
        source = context.model_path
        manifest = export.read_manifest(source)
        if manifest.model not in (None, config.model.variant):
            raise ConfigError(f"{source} was exported by a {manifest.model!r} model, and "
                              f"--config is a {config.model.variant!r}'s: pass the config it "
                              "was trained with.")
        role = manifest.role
        results = model_class.evaluate_export(config, source)
    else:
        trained = train.restore_latest(config, context.require_workdir())
        evaluator = model_class.make_evaluator(config)
        if evaluator is None:
            raise ConfigError(f"Model {config.model.variant!r} has no metrics.")
        source = f"{context.workdir} at step {int(trained.model.step.numpy())}"
        results = evaluator(trained.model)
    split = model_class.evaluated_split(config, exported=bool(context.model_path))
    results = {"source": source, **({"role": role} if role else {}),
               **({"dataset": config.data.name} if "name" in config.data else {}),
               "split": split, **results}
    files.write_json(output, results)
    for name, value in results.items():
        if isinstance(value, float):
            print(f"{name:24s} {value:.4f}")
    print(f"Wrote {output} ({source}, measured against the {split} split)")


@modes.register("train_classifier", "train and cache the two reference classifiers (the "
                                    "judges) of config.data.name (once per dataset).")
def train_classifier_mode(context: modes.Context) -> None:
    config = context.config()
    for judge in eval_lib.JUDGES:
        workdir.ensure_writable(eval_lib.cache_dir(config, judge), "classifier cache", create=False)
    for judge in eval_lib.JUDGES:
        path, accuracy = eval_lib.train_classifier(config, judge)
        print(f"The {judge} reference classifier for {config.data.name}: test accuracy "
              f"{accuracy:.4f}, saved to {path}")
