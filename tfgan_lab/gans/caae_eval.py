"""What the CAAE shows of itself: its sample grid, and its metrics (tfgan_lab/eval/
progression.py) on the test split, of a model being trained (`make_evaluator`) and of an
export, read through its serving signature."""

from collections.abc import Callable

from ml_collections import ConfigDict

from tfgan_lab import eval as eval_lib
from tfgan_lab import samples
from tfgan_lab.data import groups, images
from tfgan_lab.eval import progression
from tfgan_lab.gans import caae_serving


def make_sampler(config: ConfigDict, dataset: groups.GroupedImages) -> Callable:
    """caae -> rows of (input, input re-generated under each group) for the first
    train.sample_columns training images."""
    rows = min(config.train.sample_columns, len(dataset))
    inputs, conditions = images.first(dataset.images, rows), dataset.conditions[:rows]

    def sample(caae) -> samples.ImageGrid:
        return samples.ImageGrid(*progression.grid(inputs, conditions, caae.transform,
                                                   caae.info.num_groups))
    return sample


def progression_evaluator(config: ConfigDict) -> progression.ProgressionEvaluator:
    """The test split's metrics, with the labelled set's two reference classifiers as the
    judges of identity (none for face folders)."""
    judges = None if config.data.folder else eval_lib.load_judges(config)
    return progression.ProgressionEvaluator(groups.load(config.data, config.data.test_split),
                                            config.eval.num_samples, judges)


def make_evaluator(config: ConfigDict) -> Callable:
    """caae -> its metrics, the prior's distance included when it has an encoder."""
    evaluator = progression_evaluator(config)
    return lambda caae: evaluator(caae.transform, caae.encode if caae.use_encoder else None)


def evaluate_export(config: ConfigDict, path: str) -> dict:
    """The metrics of an export (all but the prior's distance, which needs E's codes)."""
    return progression_evaluator(config)(caae_serving.load(path).transform)
