"""The base of every model of the lab: named players, each a network with its own optimizer.

A model lists its players in `PLAYERS` (player name -> attribute that holds its network): G and
D; G_AB, G_BA, D_A, D_B; a solver alone. The base keeps what every model needs the same way:
every variable built in scope, `minimize` with the global batch and loss scaling, loss
trackers, checkpoint items. `train_step` stays overridden per model.

It is also the small interface the trainer asks (tfgan_lab/train.py) and the registry builds
(tfgan_lab/models.py): the classmethods say how a model is configured, fed, built, sampled,
evaluated and exported, so central code never names a model.
"""

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, Protocol

import keras
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab.draws import StepDraws
from tfgan_lab.samples import Samples


class Player(NamedTuple):
    network: keras.Model
    optimizer: keras.optimizers.Optimizer


class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """`rate` until update `total - decay`, then linearly down to 0 at update `total`
    (CycleGAN's schedule: constant for the first half, linear decay to 0 over the second)."""

    def __init__(self, rate: float, total: int, decay: int):
        self.rate, self.total, self.decay = rate, total, decay

    def __call__(self, step):
        remaining = tf.cast(self.total, tf.float32) - tf.cast(step, tf.float32)
        return self.rate * tf.clip_by_value(remaining / self.decay, 0.0, 1.0)

    def get_config(self) -> dict:
        return {"rate": self.rate, "total": self.total, "decay": self.decay}


def learning_rates(**rates: float) -> ConfigDict:
    """A model's part of the `optimizer` group: `learning_rates(g=2e-4, d=2e-4)` is
    `optimizer.g_learning_rate` and `optimizer.d_learning_rate`. Each model's `config()` names
    its own players' rates this way (the common group holds what they share: betas, decay)."""
    return ConfigDict({f"{player}_learning_rate": rate for player, rate in rates.items()})


def adam(config: ConfigDict, learning_rate: float, updates_per_step: int = 1,
         ema_decay: float = 0.0) -> keras.optimizers.Optimizer:
    """An Adam with `config.optimizer`'s betas; with `optimizer.decay_fraction`, its rate
    decays linearly to 0 over that last share of `train.steps` (counted in this player's
    updates: `updates_per_step` per train step). With `ema_decay` > 0 it also keeps an
    exponential moving average of the weights it updates (`moving_averages`): Keras's own,
    updated in the same apply, synchronised across replicas and checkpointed with the slots."""
    rate = learning_rate
    if config.optimizer.decay_fraction:
        total = config.train.steps * updates_per_step
        rate = LinearDecay(learning_rate, total,
                           max(1, round(total * config.optimizer.decay_fraction)))
    return keras.optimizers.Adam(rate, config.optimizer.beta_1, config.optimizer.beta_2,
                                 use_ema=bool(ema_decay), ema_momentum=ema_decay or 0.99)


def moving_averages(optimizer: keras.optimizers.Optimizer) -> list:
    """The moving averages of the weights an `adam(..., ema_decay=...)` updates, in the order of
    its variables. Keras keeps them without a public accessor, hence the private attribute."""
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        optimizer = optimizer.inner_optimizer
    if not optimizer.use_ema:
        raise ValueError("This optimizer keeps no moving averages: build it with ema_decay > 0.")
    return list(optimizer._model_variables_moving_average)


Sampler = Callable[["PlayerModel"], Samples]  # model -> an image grid, a table of sentences
Evaluator = Callable[["PlayerModel"], dict[str, Any]]  # model -> metrics (floats are logged)


class TrainingData(Protocol):
    """What the trainer reads of a model's `load_data`: the description of the data that the
    model is built for, and batches indexed by step, so that a resumed run reads on where it
    stopped (tfgan_lab.data.pipeline.step_batches)."""

    info: Any

    def batches(self, global_batch_size: int, seed: int, start_step: int = 0,
                input_context: tf.distribute.InputContext | None = None) -> tf.data.Dataset: ...


class PlayerModel(StepDraws, keras.Model):
    """Named players with their optimizers, a step counter, loss trackers.

    Args:
      seed: random draws at step s are a pure function of (seed, s) (tfgan_lab/draws.py).
      metric_names: the losses `train_step` reports, each tracked by a `keras.metrics.Mean`.
    """

    PLAYERS: dict[str, str] = {}  # player name -> attribute holding its network
    UNIT = "images"  # what the loop's throughput counts: train/<UNIT>_per_second
    # config.model fields naming exports of other runs that the model reads: {field: the
    # command that writes them}. A path says where that run lives, not how this one trains.
    INPUT_EXPORTS: dict[str, str] = {}

    def __init__(self, *, seed: int, metric_names: Sequence[str], **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.add_step_counter()
        self.trackers = {name: keras.metrics.Mean(name=name) for name in metric_names}
        self._learning_rates: dict[str, float] = {}

    # --- What the registry asks of a model class (see tfgan_lab/models.py). ---

    @classmethod
    def config(cls) -> ConfigDict:
        """The model's own config groups with their defaults: `model` (with `variant`, its
        registered name) and `data` (the fields of the data it reads)."""
        raise NotImplementedError

    @classmethod
    def defaults(cls, config: ConfigDict) -> None:
        """Sets the model's recipe in the common groups (batch size, schedule, ...)."""

    @classmethod
    def check_config(cls, config: ConfigDict) -> None:
        """Raises ConfigError for a value of the model's fields that it cannot use."""

    @classmethod
    def smoke(cls, config: ConfigDict) -> None:
        """Shrinks the model's networks for a few-step run (`--config=...:smoke`)."""

    @classmethod
    def load_data(cls, config: ConfigDict, split: str) -> TrainingData:
        """The training set of `split` (tfgan_lab.data)."""
        raise NotImplementedError

    @classmethod
    def from_config(cls, config: ConfigDict, info) -> "PlayerModel":
        """The model for data described by `info`, compiled with one optimizer per player."""
        raise NotImplementedError

    @classmethod
    def make_sampler(cls, config: ConfigDict, dataset) -> Sampler | None:
        """model -> what it shows every train.sample_every (tfgan_lab/samples.py: an image
        grid, a table of sentences); None for a model with nothing to show (a causal
        controller's labels are measured by its evaluator instead)."""
        raise NotImplementedError

    @classmethod
    def make_evaluator(cls, config: ConfigDict) -> Evaluator | None:
        """model -> metrics, computed every eval.every steps; None: the model has none."""
        return None

    @classmethod
    def evaluated_split(cls, config: ConfigDict, exported: bool) -> str:
        """The split whose data the metrics are measured against, by a run's evaluator or
        (`exported`) by `evaluate_export`: named in --mode=eval's JSON. The test split unless
        the model's evaluators read another."""
        return config.data.get("test_split", "test")

    def exports(self) -> dict[str, Any]:
        """{role: export.Export}: what `--mode=export` writes ("generator", "a2b", ...), each
        with its contract and the suffix of its name; a manifest beside them names them all."""
        raise NotImplementedError

    def examples_per_step(self, batch_size: int) -> int:
        """Examples of the global batch one train step consumes: train.batch_size per part."""
        return batch_size * self.batch_parts()

    def processed(self, steps: int, batch_size: int, logs: dict[str, float]) -> float:
        """How many UNITs `steps` train steps processed (`logs`: the means of what those steps
        reported); a text model counts tokens, which its steps report."""
        return steps * self.examples_per_step(batch_size)

    def round_steps(self) -> int:
        """Steps per round for a model trained in rounds, 0 for none: after every round's last
        step the loop calls `end_round` on the host, outside the compiled steps, before that
        step's checkpoint (unsupervised MT's next round back-translates with the model the
        round left)."""
        return 0

    def end_round(self, step: int) -> None:
        """What a model does between rounds (see `round_steps`)."""

    def batch_parts(self) -> int:
        """The parts a train step uses its batch in, one after the other (one per critic
        update): the data lays each part out over the replicas alike, so that every part holds
        the same examples whatever their number (data/pipeline.py)."""
        return 1

    # --- Shared by every model. ---

    def compile(self, optimizers: dict[str, keras.optimizers.Optimizer], **kwargs) -> None:
        """Keeps one optimizer per player, as `<player>_optimizer`. Under mixed_float16 each is
        wrapped in a LossScaleOptimizer here, because `compile` only wraps its own
        `optimizer=`."""
        super().compile(**kwargs)
        if set(optimizers) != set(self.PLAYERS):
            raise ValueError(f"{type(self).__name__} needs optimizers for {sorted(self.PLAYERS)}, "
                             f"got {sorted(optimizers)}.")
        float16 = keras.mixed_precision.dtype_policy().name == "mixed_float16"
        for name, optimizer in optimizers.items():
            rate = optimizer.get_config()["learning_rate"]  # A schedule's is a dict: kept as is.
            if isinstance(rate, float):
                self._learning_rates[name] = rate
            if float16:
                optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
            setattr(self, f"{name}_optimizer", optimizer)

    @property
    def players(self) -> dict[str, Player]:
        return {name: Player(getattr(self, attribute), getattr(self, f"{name}_optimizer"))
                for name, attribute in self.PLAYERS.items()}

    def build_for_training(self) -> None:
        """Creates every variable now (optimizer slots included): under a strategy, variables
        created lazily inside a distributed train step fail (keras-team/keras#23085)."""
        for player in self.players.values():
            player.optimizer.build(player.network.trainable_variables)
        self.built = True

    def checkpoint_items(self) -> dict[str, tf.Module]:
        """Weights (and every model variable: step, pools, ...), each optimizer's state and,
        for a model with dropout, its layers' seed states, which Keras keeps out of the
        model's checkpoint: without them a resumed run would draw its first masks again."""
        items = {"model": self, **{f"{name}_optimizer": player.optimizer
                                   for name, player in self.players.items()}}
        seeds = [layer.seed_generator.state.value for layer in self._flatten_layers()
                 if getattr(layer, "seed_generator", None) is not None]
        if seeds:  # None in the image models: their checkpoints keep their layout.
            items["dropout_seeds"] = tf.Module()
            items["dropout_seeds"].states = seeds
        return items

    def reset_learning_rates(self) -> None:
        """Restores the constructed learning rates after a checkpoint restore overwrote them:
        a resumed run takes the config's rates (e.g. lowered after a divergence)."""
        for name, rate in self._learning_rates.items():
            self.players[name].optimizer.learning_rate = rate

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        return list(self.trackers.values())

    def minimize(self, per_example_loss_fn: Callable[[], Any], players: str | Sequence[str],
                 has_aux: bool = False) -> Any:
        """One update of `players` (one name or several) on the loss `per_example_loss_fn`
        computes; returns the per-example loss. With `has_aux` (as JAX's `value_and_grad`),
        the function returns (per-example loss, aux), a dict of what else it computed (parts
        of the loss to log, fakes for a pool), and so does `minimize`.

        The loss is summed over this replica and divided by the *global* batch, so the
        replicas' gradients sum (the optimizers all-reduce with SUM) to the single-device
        gradient. Each optimizer's `scale_loss` applies mixed_float16 loss scaling (a no-op
        otherwise) and its `apply` unscales and skips non-finite steps; without loss scaling
        one backward pass serves every player.
        """
        names = (players,) if isinstance(players, str) else tuple(players)
        chosen = [self.players[name] for name in names]
        scaled = any(isinstance(p.optimizer, keras.optimizers.LossScaleOptimizer)
                     for p in chosen)
        with tf.GradientTape(persistent=scaled) as tape:
            per_example_loss, aux = (per_example_loss_fn() if has_aux
                                     else (per_example_loss_fn(), None))
            per_example_loss = tf.cast(per_example_loss, tf.float32)
            loss = tf.nn.compute_average_loss(per_example_loss)
            losses = [p.optimizer.scale_loss(loss) for p in chosen] if scaled else None
        if scaled:
            for player, scaled_loss in zip(chosen, losses, strict=True):
                variables = player.network.trainable_variables
                player.optimizer.apply(tape.gradient(scaled_loss, variables), variables)
            del tape
        else:
            variables = [p.network.trainable_variables for p in chosen]
            gradients = tape.gradient(loss, variables)
            for player, grads, variables_ in zip(chosen, gradients, variables, strict=True):
                player.optimizer.apply(grads, variables_)
        return (per_example_loss, aux) if has_aux else per_example_loss

    def track(self, **per_example_losses: tf.Tensor) -> dict[str, tf.Tensor]:
        """Updates the trackers with this replica's mean losses and returns all results."""
        for name, value in per_example_losses.items():
            self.trackers[name].update_state(tf.reduce_mean(tf.cast(value, tf.float32)))
        return {name: tracker.result() for name, tracker in self.trackers.items()}
