"""Named random streams: distinct for every model and hook, and the old numbers kept."""

import numpy as np
import pytest
import tensorflow as tf

from tfgan_lab import draws, models
from tfgan_lab.continual import replay
from tfgan_lab.gans.gan import GAN

HOOKS = [entry for entry in vars(replay).values()
         if isinstance(entry, type) and "STREAMS" in vars(entry)]


def _old_seed(seed: int, step: int, stream: int) -> np.ndarray:
    """The seed of integer stream `stream` as tfgan_lab/draws.py computed it before names."""
    pair = tf.constant([seed, step * 16 + stream % 16], tf.int64)
    if stream >= 16:
        pair = tf.random.experimental.stateless_fold_in(pair, stream // 16)
    return pair.numpy()


def test_the_hooks_are_found():
    assert {hook.__name__ for hook in HOOKS} == {"Replay", "Alignment"}


@pytest.mark.parametrize("variant", models.names())
def test_every_model_and_its_hooks_draw_from_distinct_streams(variant):
    model = models.get(variant)
    streams = model.STREAMS
    if issubclass(model, GAN):  # the family that takes training hooks
        streams += tuple(stream for hook in HOOKS for stream in hook.STREAMS)
    # A model whose steps draw nothing of their own (the translator: its dropout is Keras's)
    # declares none; drawing from an undeclared name raises (below), so none is forgotten.
    assert isinstance(model.STREAMS, tuple) and all(isinstance(s, str) for s in streams)
    assert len(set(streams)) == len(streams)
    assert draws.colliding(streams) == []


def test_colliding_finds_streams_of_one_seed():
    assert draws.colliding(["d_fakes", "prior_z", "g_fakes"]) == [("d_fakes", "prior_z")]
    assert draws.colliding(["d_fakes", "controller/labels", "critic"]) == []


@pytest.mark.parametrize("stream,number", [("d_fakes", 0), ("augment_g_fakes", 9),
                                           ("d_fakes/2", 32), ("penalty/4", 68),
                                           ("replay_z/1", 18), ("pool_b/slot", 11),
                                           ("mismatches", 4)])
def test_names_that_had_numbers_draw_as_they_drew(stream, number):
    for step in (0, 7):
        np.testing.assert_array_equal(draws.stream_seed(3, tf.constant(step, tf.int64), stream),
                                      _old_seed(3, step, number))


def test_new_names_draw_apart_from_every_numbered_stream():
    step = tf.constant(5, tf.int64)
    seeds = {stream: tuple(draws.stream_seed(0, step, stream).numpy())
             for stream in ["controller/labels", "controller/labels/1", "critic", "critic/3",
                            *draws.NUMBERED]}
    numbered = {tuple(_old_seed(0, 5, n)) for n in range(16)}
    assert len(set(seeds.values())) == len(set(map(draws.key, seeds)))
    for stream in ("controller/labels", "controller/labels/1", "critic", "critic/3"):
        assert seeds[stream] not in numbered
    # A pure function of (seed, step, name): the same again, another at the next step.
    np.testing.assert_array_equal(draws.stream_seed(0, step, "critic"), seeds["critic"])
    assert tuple(draws.stream_seed(0, step + 1, "critic").numpy()) != seeds["critic"]


def test_an_undeclared_stream_is_refused():
    class Drawer(draws.StepDraws):
        STREAMS = ("a",)
        seed, step = 0, tf.constant(0, tf.int64)

    Drawer().step_seed("a/2")
    with pytest.raises(ValueError, match="stream 'b', which it does not declare"):
        Drawer().step_seed("b")
