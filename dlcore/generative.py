"""Steps for generative models, on the same contract as every other model (see dlcore.steps).

- :class:`VAEStep`: an encoder that gives a mean and a log-variance per latent
  dimension, the reparameterisation z = μ + σ·ε, and a decoder; it records
  ``recon`` and ``kl`` beside their weighted sum ``loss`` (with ``variational=False``
  the same networks train as a plain autoencoder: z = μ, no KL term).
- :class:`GANStep`: a generator and a discriminator, each with its own
  optimizer, one discriminator update then one generator update per batch;
  it records ``d_loss``, ``g_loss`` and what the discriminator says of real
  and generated examples (``d_real``, ``d_fake``). The generator's loss is the
  non-saturating −log D(G(z)), the original minimax log(1 − D(G(z))), or the
  Wasserstein critic's with a gradient penalty.

Random draws (ε, z, interpolation weights) come from a seeded
``tf.random.Generator`` owned by the step: the same seed gives the same run.
"""

from __future__ import annotations

from dlcore.device import tf
from dlcore.steps import Step, StepRecord, all_finite, apply_if_finite, dense, variable_groups

GENERATOR_LOSSES = ("non_saturating", "minimax", "wasserstein")


def kl_to_standard_normal(mean, log_variance):
    """KL(N(μ, σ²) ‖ N(0, I)) per example: −½ Σ (1 + log σ² − μ² − σ²) over the latent dimensions."""
    return -0.5 * tf.reduce_sum(1.0 + log_variance - tf.square(mean) - tf.exp(log_variance), axis=-1)


class VAEStep(Step):
    """Batches are ``(x,)`` with x in [0, 1]; the decoder returns one logit per value of x (Bernoulli likelihood)."""

    scalar_names = ("loss", "recon", "kl")
    metric_names = ("loss", "recon", "kl")

    def __init__(self, encoder, decoder, optimizer, *, beta: float = 1.0, variational: bool = True, seed: int = 0, snapshot=None):
        super().__init__(snapshot)
        self.encoder, self.decoder, self.optimizer = encoder, decoder, optimizer
        self.beta, self.variational = float(beta), bool(variational)
        self.noise = tf.random.Generator.from_seed(seed)
        self.groups = tuple(variable_groups(encoder, prefix="encoder/") + variable_groups(decoder, prefix="decoder/"))

    def models(self) -> dict:
        return {"encoder": self.encoder, "decoder": self.decoder}

    def optimizers(self) -> list:
        return [self.optimizer]

    def build(self) -> None:
        self.optimizer.build(self.variables)

    def encode(self, x, training: bool = False):
        mean, log_variance = self.encoder(x, training=training)
        if not self.variational:
            return mean, tf.zeros_like(mean), mean
        return mean, log_variance, mean + tf.exp(0.5 * log_variance) * self.noise.normal(tf.shape(mean))

    def losses(self, x, training: bool):
        """(loss, recon, kl), each a mean over the batch; recon sums over every value of an example."""
        mean, log_variance, z = self.encode(x, training)
        logits = self.decoder(z, training=training)
        target = tf.reshape(tf.cast(x, logits.dtype), tf.shape(logits))
        per_value = tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=logits)
        recon = tf.reduce_mean(tf.reduce_sum(tf.reshape(per_value, [tf.shape(per_value)[0], -1]), axis=1))
        kl = tf.reduce_mean(kl_to_standard_normal(mean, log_variance)) if self.variational else tf.constant(0.0)
        return recon + self.beta * kl, recon, kl

    def train_step(self, x) -> StepRecord:
        variables = self.variables
        with tf.GradientTape() as tape:
            loss, recon, kl = self.losses(x, training=True)
        gradients = [dense(g) if g is not None else tf.zeros_like(v) for g, v in zip(tape.gradient(loss, variables), variables)]
        by_variable = {id(v): g for v, g in zip(variables, gradients)}
        scalars, norms = tf.stack([loss, recon, kl]), self._norms(lambda v: by_variable[id(v)])
        finite = all_finite(scalars, norms)
        apply_if_finite(self.optimizer, gradients, variables, finite)
        return StepRecord(scalars, norms, tf.zeros([0], tf.float64), finite)

    def evaluate_batch(self, x) -> tf.Tensor:
        return tf.stack(self.losses(x, training=False))


class GANStep(Step):
    """Batches are ``(x,)``, or ``(x, labels)`` for a conditional GAN whose two networks take ``[input, labels]``.

    ``label_smoothing`` s trains the discriminator towards 1 − s on real
    examples; ``gradient_penalty`` λ is the Wasserstein critic's penalty
    λ·(‖∇D(x̂)‖ − 1)² at random points x̂ between real and generated examples.
    """

    scalar_names = ("d_loss", "g_loss", "d_real", "d_fake")
    metric_names = ("d_loss", "g_loss", "d_real", "d_fake")

    def __init__(self, generator, discriminator, generator_optimizer, discriminator_optimizer, *, latent_dim: int, generator_loss: str = "non_saturating",
                 label_smoothing: float = 0.0, gradient_penalty: float = 10.0, seed: int = 0, snapshot=None):
        if generator_loss not in GENERATOR_LOSSES:
            raise ValueError(f"unknown generator loss {generator_loss!r}; choose from {GENERATOR_LOSSES}")
        super().__init__(snapshot)
        self.generator, self.discriminator = generator, discriminator
        self.generator_optimizer, self.discriminator_optimizer = generator_optimizer, discriminator_optimizer
        self.latent_dim, self.generator_loss = int(latent_dim), generator_loss
        self.label_smoothing, self.gradient_penalty = float(label_smoothing), float(gradient_penalty)
        self.noise = tf.random.Generator.from_seed(seed)
        self.groups = tuple(variable_groups(generator, prefix="generator/") + variable_groups(discriminator, prefix="discriminator/"))

    def models(self) -> dict:
        return {"generator": self.generator, "discriminator": self.discriminator}

    def optimizers(self) -> list:
        return [self.generator_optimizer, self.discriminator_optimizer]

    @property
    def wasserstein(self) -> bool:
        return self.generator_loss == "wasserstein"

    def latent(self, count):
        return self.noise.normal([count, self.latent_dim])

    def _call(self, network, inputs, labels, training: bool):
        return network(inputs if labels is None else [inputs, labels], training=training)

    def discriminator_loss(self, real_logits, fake_logits):
        if self.wasserstein:
            return tf.reduce_mean(fake_logits) - tf.reduce_mean(real_logits)
        real_target = tf.fill(tf.shape(real_logits), 1.0 - self.label_smoothing)
        real = tf.nn.sigmoid_cross_entropy_with_logits(labels=real_target, logits=real_logits)
        fake = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.zeros_like(fake_logits), logits=fake_logits)
        return tf.reduce_mean(real) + tf.reduce_mean(fake)

    def generator_loss_value(self, fake_logits):
        if self.wasserstein:
            return -tf.reduce_mean(fake_logits)
        if self.generator_loss == "minimax":
            return -tf.reduce_mean(tf.nn.softplus(fake_logits))  # log(1 − D(G(z))), which the generator minimises
        return tf.reduce_mean(tf.nn.softplus(-fake_logits))  # −log D(G(z))

    def penalty(self, real, fake, labels):
        """λ · mean over the batch of (‖∂D/∂x̂‖ − 1)², x̂ a random point on the segment between a real and a generated example."""
        shape = tf.concat([tf.shape(real)[:1], tf.ones([tf.rank(real) - 1], tf.int32)], axis=0)
        weight = self.noise.uniform(shape)
        between = weight * real + (1.0 - weight) * fake
        with tf.GradientTape() as tape:
            tape.watch(between)
            scores = self._call(self.discriminator, between, labels, True)
        slopes = tf.reshape(tape.gradient(scores, between), [tf.shape(real)[0], -1])
        return self.gradient_penalty * tf.reduce_mean(tf.square(tf.norm(slopes, axis=1) - 1.0))

    def _scores(self, logits):
        return tf.reduce_mean(logits) if self.wasserstein else tf.reduce_mean(tf.sigmoid(logits))

    def train_step(self, x, labels=None) -> StepRecord:
        count = tf.shape(x)[0]
        d_variables, g_variables = self.discriminator.trainable_variables, self.generator.trainable_variables
        with tf.GradientTape() as tape:
            fake = self._call(self.generator, self.latent(count), labels, True)
            real_logits = self._call(self.discriminator, x, labels, True)
            fake_logits = self._call(self.discriminator, fake, labels, True)
            d_loss = self.discriminator_loss(real_logits, fake_logits)
            if self.wasserstein and self.gradient_penalty > 0:
                d_loss += self.penalty(tf.cast(x, fake.dtype), fake, labels)
        d_gradients = [dense(g) if g is not None else tf.zeros_like(v) for g, v in zip(tape.gradient(d_loss, d_variables), d_variables)]
        d_finite = all_finite(d_loss, *d_gradients)
        apply_if_finite(self.discriminator_optimizer, d_gradients, d_variables, d_finite)
        with tf.GradientTape() as tape:
            generated_logits = self._call(self.discriminator, self._call(self.generator, self.latent(count), labels, True), labels, True)
            g_loss = self.generator_loss_value(generated_logits)
        g_gradients = [dense(g) if g is not None else tf.zeros_like(v) for g, v in zip(tape.gradient(g_loss, g_variables), g_variables)]
        by_variable = {id(v): g for v, g in zip([*d_variables, *g_variables], [*d_gradients, *g_gradients])}
        scalars = tf.stack([d_loss, g_loss, self._scores(real_logits), self._scores(fake_logits)])
        norms = self._norms(lambda v: by_variable[id(v)])
        finite = tf.logical_and(d_finite, all_finite(scalars, norms))
        apply_if_finite(self.generator_optimizer, g_gradients, g_variables, finite)
        return StepRecord(scalars, norms, tf.zeros([0], tf.float64), finite)

    def evaluate_batch(self, x, labels=None) -> tf.Tensor:
        count = tf.shape(x)[0]
        fake = self._call(self.generator, self.latent(count), labels, False)
        real_logits = self._call(self.discriminator, x, labels, False)
        fake_logits = self._call(self.discriminator, fake, labels, False)
        d_loss = self.discriminator_loss(real_logits, fake_logits)
        return tf.stack([d_loss, self.generator_loss_value(fake_logits), self._scores(real_logits), self._scores(fake_logits)])
