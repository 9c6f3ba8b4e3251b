"""The generators and discriminators of the page, built fresh for every run (explicit names and seeds).

- :func:`point_networks`: the 2-D game's two MLPs (noise -> point, point -> logit).
- :func:`dcgan_networks`: the DCGAN recipe (Radford et al. 2015) sized for 8x8 or 28x28 images:
  the generator upsamples with strided transposed convolutions, batch norm and ReLU, and ends in
  tanh; the discriminator downsamples with strided convolutions and LeakyReLU(0.2), no pooling,
  and ends in one logit. ``classes`` > 0 makes both conditional: the generator reads [noise, label]
  and the discriminator [image, label] (Mirza & Osindero 2014).
"""

from __future__ import annotations

import keras
from keras import layers

from dlcore.device import seeds_for

GENERATOR_OUTPUT_SCALE = 0.01  # variance scale of the 2-D generator's last layer: its first samples sit near (0, 0)
BN_MOMENTUM = 0.8  # moving statistics that keep up with a generator that changes fast (Keras' default 0.99 lags)


def _init(seeds, index):
    return keras.initializers.HeNormal(seed=seeds[index])


def _mlp(inputs: int, outputs: int, hidden_layers: int, units: int, name: str, seed: int, output_scale: float = 1.0) -> keras.Model:
    seeds = seeds_for(seed, hidden_layers + 1)
    x = keras.Input(shape=(inputs,), name=f"{name}_input")
    h = x
    for index in range(hidden_layers):
        h = layers.Dense(units, activation="relu", kernel_initializer=_init(seeds, index), name=f"{name}_hidden_{index + 1}")(h)
    last = keras.initializers.VarianceScaling(scale=output_scale, mode="fan_in", distribution="truncated_normal", seed=seeds[-1])
    out = layers.Dense(outputs, kernel_initializer=last, name=f"{name}_output")(h)
    return keras.Model(x, out, name=name)


def point_networks(latent_dim: int, hidden_layers: int, units: int, seed: int) -> tuple[keras.Model, keras.Model]:
    """(generator: noise -> (x, y), discriminator: (x, y) -> one logit), ReLU hidden layers.

    The generator's last layer starts with small weights, so its first samples form a small blob at
    the centre of the plane (as in GAN Lab) rather than a random spread that already overlaps the data.
    """
    generator_seed, discriminator_seed = seeds_for(seed, 2)
    return (_mlp(latent_dim, 2, hidden_layers, units, "generator", generator_seed, output_scale=GENERATOR_OUTPUT_SCALE),
            _mlp(2, 1, hidden_layers, units, "discriminator", discriminator_seed))


def _label_code(labels, classes: int, width: int, name: str, seed: int):
    return layers.Flatten(name=f"{name}_flat")(layers.Embedding(classes, width, embeddings_initializer=keras.initializers.RandomNormal(stddev=1.0, seed=seed), name=name)(labels))


def dcgan_networks(image_size: int, latent_dim: int, *, batch_norm: bool = True, classes: int = 0, width: int = 32, seed: int = 0) -> tuple[keras.Model, keras.Model]:
    """(generator, discriminator) for (image_size, image_size, 1) images in [-1, 1]; image_size 8 or 28."""
    if image_size not in (8, 28):
        raise ValueError(f"the DCGAN here is sized for 8x8 or 28x28 images, got {image_size}")
    seeds = seeds_for(seed, 16)
    start = 4 if image_size == 8 else 7
    upsamplings = 1 if image_size == 8 else 2

    noise = keras.Input(shape=(latent_dim,), name="noise")
    inputs, h = [noise], noise
    if classes:
        label = keras.Input(shape=(1,), dtype="int32", name="label")
        inputs.append(label)
        h = layers.Concatenate(name="noise_and_label")([noise, _label_code(label, classes, 16, "generator_label", seeds[0])])
    h = layers.Dense(start * start * width, use_bias=not batch_norm, kernel_initializer=_init(seeds, 1), name="project")(h)
    h = layers.Reshape((start, start, width), name="to_feature_maps")(h)
    for index in range(upsamplings):
        if batch_norm:
            h = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"generator_bn_{index + 1}")(h)
        h = layers.ReLU(name=f"generator_relu_{index + 1}")(h)
        h = layers.Conv2DTranspose(width // 2 ** (index + 1), 4, strides=2, padding="same", use_bias=not batch_norm, kernel_initializer=_init(seeds, 2 + index), name=f"upsample_{index + 1}")(h)
    if batch_norm:
        h = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"generator_bn_{upsamplings + 1}")(h)
    h = layers.ReLU(name=f"generator_relu_{upsamplings + 1}")(h)
    image = layers.Conv2D(1, 3, padding="same", activation="tanh", kernel_initializer=keras.initializers.GlorotUniform(seed=seeds[5]), name="to_image")(h)
    generator = keras.Model(inputs if classes else noise, image, name="generator")

    picture = keras.Input(shape=(image_size, image_size, 1), name="image")
    inputs, h = [picture], picture
    if classes:
        label = keras.Input(shape=(1,), dtype="int32", name="label")
        inputs.append(label)
        plane = layers.Reshape((image_size, image_size, 1), name="label_plane")(_label_code(label, classes, image_size * image_size, "discriminator_label", seeds[6]))
        h = layers.Concatenate(name="image_and_label")([picture, plane])
    for index, filters in enumerate((width // 2, width)):
        h = layers.Conv2D(filters, 3 if image_size == 8 else 4, strides=2, padding="same", kernel_initializer=_init(seeds, 7 + index), name=f"downsample_{index + 1}")(h)
        if batch_norm and index > 0:  # DCGAN: no batch norm on the discriminator's input layer
            h = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"discriminator_bn_{index + 1}")(h)
        h = layers.LeakyReLU(0.2, name=f"discriminator_leaky_{index + 1}")(h)
    h = layers.Flatten(name="flatten")(h)
    logit = layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(seed=seeds[10]), name="real_or_fake")(h)
    discriminator = keras.Model(inputs if classes else picture, logit, name="discriminator")
    return generator, discriminator
