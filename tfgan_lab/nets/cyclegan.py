"""CycleGAN's networks (Zhu et al. 2017; junyanz/pytorch-CycleGAN-and-pix2pix): a ResNet
generator and a PatchGAN discriminator, with instance normalisation and reflection padding.

Instance normalisation is `GroupNormalization(groups=-1)` without scale and offset (the official
`InstanceNorm2d(affine=False)`), computed in float32; convolutions before it have no bias (it
would be subtracted away). Weights start from N(0, 0.02), as in the official code.
"""

import keras
from keras import layers

from tfgan_lab.errors import ConfigError
from tfgan_lab.nets.dcgan import UPSAMPLINGS


def _init() -> keras.initializers.Initializer:
    return keras.initializers.RandomNormal(0.0, 0.02)


@keras.saving.register_keras_serializable(package="tfgan_lab")
class ReflectionPadding2D(layers.Layer):
    """Pads height and width by `padding` on each side, mirroring the image at its border
    (Keras 3 has no such layer; tensorflow-addons, which had one, is dead)."""

    def __init__(self, padding: int, **kwargs):
        super().__init__(**kwargs)
        self.padding = padding

    def call(self, x):
        p = self.padding
        return keras.ops.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        grow = 2 * self.padding
        return (batch, height and height + grow, width and width + grow, channels)

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": self.padding}


def _instance_norm(name: str) -> layers.Layer:
    return layers.GroupNormalization(groups=-1, epsilon=1e-5, center=False, scale=False,
                                     dtype="float32", name=name)


def _conv(x, filters: int, kernel: int, name: str, strides: int = 1, reflect: int = 0):
    """[reflection pad] -> conv -> instance norm -> ReLU."""
    if reflect:
        x = ReflectionPadding2D(reflect, name=f"{name}_pad")(x)
    x = layers.Conv2D(filters, kernel, strides=strides, padding="valid" if reflect else "same",
                      use_bias=False, kernel_initializer=_init(), name=name)(x)
    return layers.ReLU(name=f"{name}_relu")(_instance_norm(f"{name}_norm")(x))


def _residual_block(x, filters: int, name: str):
    """x + [pad, conv 3x3, norm, ReLU, pad, conv 3x3, norm](x)."""
    y = _conv(x, filters, 3, f"{name}_a", reflect=1)
    y = ReflectionPadding2D(1, name=f"{name}_b_pad")(y)
    y = layers.Conv2D(filters, 3, use_bias=False, kernel_initializer=_init(), name=f"{name}_b")(y)
    y = _instance_norm(f"{name}_b_norm")(y)
    return layers.Add(name=f"{name}_add")([x, y])


def _upsample(x, filters: int, name: str, upsampling: str):
    """x2 in height and width: a transposed conv (the official code), or a nearest-neighbour
    resize then a conv, which avoids the checkerboard artefacts transposed convs leave (Odena
    et al. 2016; the official code's users report them: issues #64, #190, #770, #924)."""
    if upsampling == "transpose":
        x = layers.Conv2DTranspose(filters, 3, strides=2, padding="same", use_bias=False,
                                   kernel_initializer=_init(), name=name)(x)
        return layers.ReLU(name=f"{name}_relu")(_instance_norm(f"{name}_norm")(x))
    x = layers.UpSampling2D(2, interpolation="nearest", name=f"{name}_resize")(x)
    return _conv(x, filters, 3, name, reflect=1)


def default_blocks(image_shape: tuple[int, int, int]) -> int:
    """The official choice: 6 residual blocks up to 128 pixels, 9 above."""
    return 6 if max(image_shape[:2]) <= 128 else 9


def resnet_generator(image_shape: tuple[int, int, int], filters: int = 64, blocks: int = 6,
                     upsampling: str = "transpose", name: str = "generator") -> keras.Model:
    """images [B, H, W, C] in [-1, 1] -> images of the same shape (tanh): c7s1-f, d2f, d4f,
    `blocks` residual blocks of 4f, u2f, uf, c7s1-C (Johnson et al. 2016, as in CycleGAN)."""
    height, width, channels = image_shape
    if height % 4 or width % 4:
        raise ConfigError(f"The ResNet generator halves the image twice: height and width must "
                          f"be multiples of 4, not {height}x{width} (set config.data.crop_size).")
    if upsampling not in UPSAMPLINGS:
        raise ConfigError(f"config.model.upsampling={upsampling!r} is not valid: choose one of "
                          f"{', '.join(UPSAMPLINGS)}.")
    images = keras.Input(image_shape, name="images")
    x = _conv(images, filters, 7, "stem", reflect=3)
    x = _conv(x, filters * 2, 3, "down1", strides=2)
    x = _conv(x, filters * 4, 3, "down2", strides=2)
    for i in range(blocks):
        x = _residual_block(x, filters * 4, f"block{i + 1}")
    x = _upsample(x, filters * 2, "up1", upsampling)
    x = _upsample(x, filters, "up2", upsampling)
    x = ReflectionPadding2D(3, name="head_pad")(x)
    x = layers.Conv2D(channels, 7, kernel_initializer=_init(), name="head")(x)
    translated = layers.Activation("tanh", dtype="float32", name="translated")(x)
    return keras.Model(images, translated, name=name)


def patch_discriminator(image_shape: tuple[int, int, int], filters: int = 64,
                        strided_layers: int = 3, name: str = "discriminator") -> keras.Model:
    """images -> {"logits": [B, h, w]}, one real/fake logit per patch: the 70x70 PatchGAN with
    3 strided layers (Isola et al. 2017). 'same' padding keeps an output at every stride
    position (the official code pads by 1: 30x30 patches at 256 pixels, here 32x32)."""
    images = keras.Input(image_shape, name="images")
    x = layers.Conv2D(filters, 4, strides=2, padding="same", kernel_initializer=_init(),
                      name="conv1")(images)
    x = layers.LeakyReLU(0.2, name="conv1_lrelu")(x)
    for i in range(1, strided_layers + 1):
        stride = 2 if i < strided_layers else 1
        x = layers.Conv2D(filters * min(2 ** i, 8), 4, strides=stride, padding="same",
                          use_bias=False, kernel_initializer=_init(), name=f"conv{i + 1}")(x)
        x = layers.LeakyReLU(0.2, name=f"conv{i + 1}_lrelu")(_instance_norm(f"conv{i + 1}_norm")(x))
    x = layers.Conv2D(1, 4, padding="same", kernel_initializer=_init(), dtype="float32",
                      name="patch_logits")(x)
    logits = layers.Reshape(tuple(x.shape[1:3]), dtype="float32", name="logits")(x)
    return keras.Model(images, {"logits": logits}, name=name)
