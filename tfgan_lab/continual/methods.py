"""The continual-learning methods, each registered by name with its recipe and its hooks.

A method says what it trains at each task (a solver, a generator, or both), on which data, and
what it replays from the previous task's exports (Avalanche's plugins, as objects rather than
mode strings). `tfgan_lab/continual/runner.py` asks only these questions.
"""

from collections.abc import Callable

from ml_collections import ConfigDict

from tfgan_lab.continual.replay import Alignment, Replay
from tfgan_lab.registry import Registry

METHODS = Registry("continual method")


class Method:
    """The fine-tuning baseline's answers; each method changes what differs."""

    name = ""  # Set by `register`.
    title = ""  # Its name in reports.
    generator_variant = "gan"  # The model of its generator (a conditional one is scored).
    trains_solver = True
    trains_generator = False
    scores_generator = False  # Reference-classifier accuracy of its generated classes.

    @classmethod
    def recipe(cls, config: ConfigDict) -> None:
        """Sets the method's settings on a config of its `generator_variant`."""
        config.model.loss = "non_saturating"
        # One-class tasks drive an unsmoothed solver's logits far apart, and later classes go
        # unlearned (docs/continual.md, "10 tasks of 1 class").
        config.continual.label_smoothing = 0.1

    @classmethod
    def seen_by_solver(cls, tasks: list[tuple[int, ...]], t: int) -> list[int]:
        """The classes of the solver's real training data at task t (0-based)."""
        return list(tasks[t])

    @classmethod
    def solver_replay(cls, run, t: int) -> Replay | None:
        """What task t's solver replays from task t-1's exports."""
        return None

    @classmethod
    def generator_hook(cls, run, t: int) -> Replay | Alignment | None:
        """The training hook of task t's generator (gans/gan.py), if any."""
        return None


def register(name: str, title: str) -> Callable[[type[Method]], type[Method]]:
    def decorate(method: type[Method]) -> type[Method]:
        method.name, method.title = name, title
        return METHODS.register(name)(method)
    return decorate


@register("finetune", "Fine-tuning")
class FineTune(Method):
    """The solver trained on each task in turn: the forgetting baseline."""


@register("joint", "Joint training")
class Joint(Method):
    """After task t, the solver trained on tasks 1..t at once: the upper bound."""

    @classmethod
    def seen_by_solver(cls, tasks: list[tuple[int, ...]], t: int) -> list[int]:
        return [c for classes in tasks[:t + 1] for c in classes]


@register("dgr", "Deep Generative Replay")
class DeepGenerativeReplay(Method):
    """Shin et al. 2017: scholar = an unconditional DCGAN + the solver. Both replay task t-1's
    generator, its samples labelled by task t-1's solver."""
    trains_generator = True

    @classmethod
    def recipe(cls, config: ConfigDict) -> None:
        super().recipe(config)
        # Fewer steps leave the replays too noisy to teach the solver (docs/continual.md).
        config.continual.generator_steps = 2000

    @classmethod
    def solver_replay(cls, run, t: int) -> Replay | None:
        return run.replay(t, labelled_by_solver=True) if t else None

    generator_hook = solver_replay


@register("sft", "MeRGAN SFT")
class SequentialFineTuning(Method):
    """Memory Replay GANs (Wu et al. 2018): an AC-GAN + WGAN-GP generator fine-tuned on the new
    classes only."""
    generator_variant = "acgan"
    trains_solver = False
    trains_generator = True
    scores_generator = True

    @classmethod
    def recipe(cls, config: ConfigDict) -> None:
        config.model.update(loss="wasserstein", critic_steps=5, gradient_penalty=10.0)
        # A budget of hundreds of steps per task, not the paper's thousands, asks for a faster
        # base: D's class head learns real images only (Gulrajani et al.'s AC-WGAN-GP), G's
        # class loss weighs more and Adam steps faster (docs/results/mergan_base.md measures
        # each choice).
        config.model.update(classify_fakes=False, generator_class_weight=3.0)
        config.optimizer.update(g_learning_rate=2e-4, d_learning_rate=2e-4, beta_1=0.0,
                                beta_2=0.9)
        # SFT gets more steps, so that its forgetting is not an artefact of undertraining.
        config.continual.generator_steps = 1000 if cls is SequentialFineTuning else 600


@register("jtr", "MeRGAN JTR")
class JointRetraining(SequentialFineTuning):
    """The new classes plus replays G_{t-1}(z, c) of the old ones, treated as real."""

    @classmethod
    def generator_hook(cls, run, t: int) -> Replay | None:
        return run.replay(t, labelled_by_solver=False) if t else None


@register("ra", "MeRGAN RA")
class ReplayAlignment(SequentialFineTuning):
    """G's loss gains weight * |G_t(z, c) - G_{t-1}(z, c)|^2 for old classes c, same z."""

    @classmethod
    def recipe(cls, config: ConfigDict) -> None:
        super().recipe(config)
        # Per example, the sum of squares over an image: large enough to hold old classes'
        # images in place against G's other terms (the paper's code scales it otherwise;
        # docs/continual.md compares, benchmarks/generator_drift.py measures the drift).
        config.continual.alignment_weight = 0.1
        # The paper's conditioning: each class's own BN scales and offsets. RA's D learns the
        # new task's images only, so on a one-class task nothing in G's loss tells classes
        # apart, and G with a label embedding learns to ignore its label (docs/continual.md;
        # benchmarks/label_use.py).
        config.model.generator_conditioning = "batch_norm"

    @classmethod
    def generator_hook(cls, run, t: int) -> Alignment | None:
        if not t:
            return None
        return Alignment(run.replay(t, labelled_by_solver=False),
                         run.config.continual.alignment_weight)
