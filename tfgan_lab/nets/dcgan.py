"""DCGAN-size conditional networks for small images (28x28, 32x32, any size divisible by 4).

Both are functional Keras models with named inputs, so exports and `saved_model_cli` show
`z`, `label` and `images` rather than `keras_tensor_N`. Their last layers compute in float32,
so outputs stay float32 under mixed precision.
"""

import keras
from keras import layers

from tfgan_lab.errors import ConfigError


def _check_image_shape(image_shape: tuple[int, int, int]) -> None:
    height, width, _ = image_shape
    if height % 4 or width % 4:
        raise ConfigError(f"DCGAN nets upsample twice by 2, so image height and width must be "
                          f"multiples of 4; this dataset has {height}x{width}.")


def batch_norm(name: str, **kwargs) -> layers.Layer:
    """Synchronised BN: statistics over the global batch, so N replicas train like one.
    Momentum 0.9 (not Keras's 0.99): the generator changes fast, and samples drawn in
    inference mode with statistics 100 steps old scored 5 points lower conditional accuracy
    than with the current batch's statistics (CGAN, Fashion-MNIST, step 1500)."""
    return layers.BatchNormalization(synchronized=True, momentum=0.9, name=name, **kwargs)


@keras.saving.register_keras_serializable(package="tfgan_lab")
class ConditionalBatchNorm(layers.Layer):
    """[x, label] -> BN(x) * gamma[label] + beta[label] (de Vries et al. 2017; the conditioning
    of the WGAN-GP code that Memory Replay GANs build on). The normalisation is the library's
    BN without its own scale and offset; each class has its own, starting at 1 and 0."""

    def __init__(self, num_classes: int, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.normalize = batch_norm(f"{self.name}_normalize", center=False, scale=False)

    def build(self, input_shape):
        x_shape, _ = input_shape
        channels = x_shape[-1]
        self.normalize.build(x_shape)
        self.gamma = self.add_weight(shape=(self.num_classes, channels), initializer="ones",
                                     name="gamma")
        self.beta = self.add_weight(shape=(self.num_classes, channels), initializer="zeros",
                                    name="beta")

    def call(self, inputs, training=None):
        x, label = inputs
        normalized = self.normalize(x, training=training)
        gamma, beta = (keras.ops.cast(keras.ops.take(table, label, axis=0), normalized.dtype)
                       for table in (self.gamma, self.beta))
        for _ in range(len(x.shape) - 2):  # [B, C] -> [B, 1, 1, C] for feature maps.
            gamma, beta = keras.ops.expand_dims(gamma, 1), keras.ops.expand_dims(beta, 1)
        return normalized * gamma + beta

    def get_config(self) -> dict:
        return {**super().get_config(), "num_classes": self.num_classes}


UPSAMPLINGS = ("transpose", "resize")


def _upsample_block(x, filters: int, name: str, norm, upsampling: str):
    """x2 in height and width, then BN and ReLU: a 4x4 stride-2 transposed conv (DCGAN), or
    a nearest-neighbour resize then a 3x3 conv, which cannot leave the checkerboard and stripe
    artefacts of transposed convs (Odena et al. 2016, "Deconvolution and checkerboard
    artifacts")."""
    if upsampling == "transpose":
        x = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False,
                                   name=f"{name}_deconv")(x)
    else:
        x = layers.UpSampling2D(2, interpolation="nearest", name=f"{name}_resize")(x)
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = norm(x, f"{name}_bn")
    return layers.ReLU(name=f"{name}_relu")(x)


def _upsampling_generator(inputs: dict, x, image_shape: tuple[int, int, int],
                          filters: int, label_classes: int = 0,
                          upsampling: str = "transpose") -> keras.Model:
    """x -> dense -> 2 upsampling blocks -> tanh images in [-1, 1], as a model of `inputs`;
    with `label_classes` > 0, every BN is conditional on inputs["label"] (that many classes)."""
    _check_image_shape(image_shape)
    if upsampling not in UPSAMPLINGS:
        raise ConfigError(f"config.model.upsampling={upsampling!r} is not valid: choose one of "
                          f"{', '.join(UPSAMPLINGS)}.")

    def norm(x, name: str):
        if not label_classes:
            return batch_norm(name)(x)
        return ConditionalBatchNorm(label_classes, name=name)([x, inputs["label"]])

    height, width, channels = image_shape
    x = layers.Dense((height // 4) * (width // 4) * filters * 4, use_bias=False, name="project")(x)
    x = norm(x, "project_bn")
    x = layers.ReLU(name="project_relu")(x)
    x = layers.Reshape((height // 4, width // 4, filters * 4), name="to_map")(x)
    x = _upsample_block(x, filters * 2, "up1", norm, upsampling)
    x = _upsample_block(x, filters, "up2", norm, upsampling)
    x = layers.Conv2D(channels, 3, padding="same", name="to_image")(x)
    images = layers.Activation("tanh", dtype="float32", name="images")(x)
    return keras.Model(inputs, images, name="generator")


CONDITIONINGS = ("embedding", "batch_norm")


def conditional_generator(image_shape: tuple[int, int, int], num_classes: int, z_dim: int,
                          filters: int = 64, label_dim: int = 50,
                          conditioning: str = "embedding",
                          upsampling: str = "transpose") -> keras.Model:
    """G(z, label) -> images in [-1, 1]: z -> dense -> 2 upsampling blocks.

    `conditioning` says where the label enters: "embedding", a learned embedding
    concatenated with z (Mirza & Osindero 2014); "batch_norm", every normalisation's scale
    and offset (conditional batch norm, as in Memory Replay GANs' code). `upsampling`:
    "transpose" or "resize" (`_upsample_block`).
    """
    z = keras.Input((z_dim,), name="z")
    label = keras.Input((), dtype="int32", name="label")
    inputs = {"z": z, "label": label}
    if conditioning == "batch_norm":
        return _upsampling_generator(inputs, z, image_shape, filters, label_classes=num_classes,
                                     upsampling=upsampling)
    y = layers.Embedding(num_classes, label_dim, name="label_embedding")(label)
    x = layers.Concatenate(name="z_and_label")([z, y])
    return _upsampling_generator(inputs, x, image_shape, filters, upsampling=upsampling)


def unconditional_generator(image_shape: tuple[int, int, int], z_dim: int,
                            filters: int = 64, upsampling: str = "transpose") -> keras.Model:
    """G(z) -> images in [-1, 1], the conditional generator's layers without the label."""
    z = keras.Input((z_dim,), name="z")
    return _upsampling_generator({"z": z}, z, image_shape, filters, upsampling=upsampling)


def labelled_generator(image_shape: tuple[int, int, int], num_labels: int, z_dim: int,
                       filters: int = 64, upsampling: str = "transpose") -> keras.Model:
    """G(z, labels) -> images in [-1, 1], the label vector (float32 [B, num_labels], 0 or 1)
    concatenated with z: CausalGAN's generator (its official DCGAN does the same)."""
    z = keras.Input((z_dim,), name="z")
    labels = keras.Input((num_labels,), name="labels")
    x = layers.Concatenate(name="z_and_labels")([z, labels])
    return _upsampling_generator({"z": z, "labels": labels}, x, image_shape, filters,
                                 upsampling=upsampling)


def _spectral_norm(enabled: bool):
    """Wraps a layer in SpectralNormalization with the layer's own dtype policy (the wrapper
    casts outputs to its compute dtype, which would turn float32 heads into bfloat16)."""
    def wrap(layer):
        if not enabled:
            return layer
        return layers.SpectralNormalization(layer, dtype=layer.dtype_policy,
                                            name=f"sn_{layer.name}")
    return wrap


def _discriminator_features(images, filters: int, sn):
    """phi(x): two 4x4 stride-2 convs with LeakyReLU, flattened. Flattened, not pooled: at
    28x28 where a part sits (sleeve, heel, strap) tells classes apart."""
    x = images
    for i, width in enumerate((filters, filters * 2)):
        x = sn(layers.Conv2D(width, 4, strides=2, padding="same", name=f"conv{i + 1}"))(x)
        x = layers.LeakyReLU(0.2, name=f"conv{i + 1}_lrelu")(x)
    return layers.Flatten(dtype="float32", name="features")(x)


def labeler(image_shape: tuple[int, int, int], num_labels: int, filters: int = 64,
            name: str = "labeler") -> keras.Model:
    """L(images) -> {"logits": [B, num_labels]}: one logit per binary label on D's features:
    CausalGAN's Labeler (trained on real images) and Anti-Labeler (trained on fakes)."""
    _check_image_shape(image_shape)
    images = keras.Input(image_shape, name="images")
    features = _discriminator_features(images, filters, _spectral_norm(False))
    logits = layers.Dense(num_labels, dtype="float32", name="label_logits")(features)
    return keras.Model({"images": images}, {"logits": logits}, name=name)


def projection_discriminator(image_shape: tuple[int, int, int], num_classes: int,
                             filters: int = 64, spectral_norm: bool = True) -> keras.Model:
    """D(images, label) -> {"logits": [B], "features": [B, H/4 * W/4 * 2*filters]}.

    Projection discriminator (Miyato & Koyama 2018): logit = psi(phi(x)) + embed(y) . phi(x).
    With `spectral_norm`, every conv, psi and the class embedding are spectrally normalised;
    Keras updates the power-iteration vector on each training-mode call, so variants call D
    in training mode once per D step.
    """
    _check_image_shape(image_shape)
    sn = _spectral_norm(spectral_norm)
    images = keras.Input(image_shape, name="images")
    label = keras.Input((), dtype="int32", name="label")
    features = _discriminator_features(images, filters, sn)
    psi = sn(layers.Dense(1, dtype="float32", name="psi"))(features)
    # embed(y) as a bias-free Dense on one-hot labels: the same matrix as an Embedding, but
    # SpectralNormalization can wrap it (on an Embedding it casts the output to int labels).
    one_hot = layers.CategoryEncoding(num_classes, output_mode="one_hot", name="one_hot")(label)
    embedded = sn(layers.Dense(features.shape[-1], use_bias=False, dtype="float32",
                               name="class_embedding"))(one_hot)
    projection = layers.Dot(axes=1, dtype="float32", name="projection")([embedded, features])
    logits = layers.Add(dtype="float32", name="add")([psi, projection])
    logits = layers.Reshape((), dtype="float32", name="logits")(logits)
    return keras.Model({"images": images, "label": label},
                       {"logits": logits, "features": features}, name="discriminator")


def discriminator(image_shape: tuple[int, int, int], filters: int = 64,
                  spectral_norm: bool = True, class_outputs: int = 0) -> keras.Model:
    """D(images) -> {"logits": [B], "features"[, "class_logits": [B, class_outputs]]}.

    A real/fake head psi on the same features phi(x) as the projection discriminator: the
    unconditional GAN's D. With `class_outputs`, AC-GAN's discriminator (Odena et al. 2017),
    a class head beside it; FC-GAN (Li et al. 2018) asks for one more class output, the class
    of every fake.
    """
    _check_image_shape(image_shape)
    sn = _spectral_norm(spectral_norm)
    images = keras.Input(image_shape, name="images")
    features = _discriminator_features(images, filters, sn)
    psi = sn(layers.Dense(1, dtype="float32", name="psi"))(features)
    outputs = {"logits": layers.Reshape((), dtype="float32", name="logits")(psi),
               "features": features}
    if class_outputs:
        outputs["class_logits"] = sn(layers.Dense(class_outputs, dtype="float32",
                                                  name="class_logits"))(features)
    return keras.Model({"images": images}, outputs, name="discriminator")
