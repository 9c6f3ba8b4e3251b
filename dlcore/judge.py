"""An independent judge of generated digits: a classifier trained on real digits only.

The VAE and GAN pages ask it what each generated image looks like and how
sure it is. It is trained once per process per image set (seeded, so always
the same judge) through the engine, and kept as plain numpy weights: no Keras
model outlives the training (Streamlit clears the Keras session after every
script run), and a numpy forward pass is all a verdict needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

JUDGE_EPOCHS = 40
HIDDEN_UNITS = 128


@dataclass(frozen=True)
class Judge:
    weights: tuple[np.ndarray, ...]  # kernel 1, bias 1, kernel 2, bias 2 of a one-hidden-layer ReLU network
    image_shape: tuple[int, ...]  # (height, width, channels) it was trained on
    class_names: tuple[str, ...]
    validation_accuracy: float  # on real images it never trained on
    image_set: str

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """(n, classes) class probabilities for images shaped like the training images (values in [0, 1])."""
        x = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
        if x.shape[1] != int(np.prod(self.image_shape)):
            raise ValueError(f"the judge reads {self.image_shape} images, got {np.shape(images)[1:]}")
        kernel_1, bias_1, kernel_2, bias_2 = self.weights
        logits = np.maximum(x @ kernel_1 + bias_1, 0.0) @ kernel_2 + bias_2
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def verdicts(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(predicted class index, probability of that class) per image."""
        probabilities = self.probabilities(images)
        return probabilities.argmax(axis=1), probabilities.max(axis=1)


@lru_cache(maxsize=3)
def digit_judge(image_set: str = "digits") -> Judge:
    """The judge for one image set ("digits", "mnist", "fashion_mnist"), trained on 70% of its real images."""
    from dlcore import engine, images
    from dlcore.models import MLPSpec, build_mlp
    from dlcore.optimizers import make_optimizer
    from dlcore.steps import SupervisedStep

    source = images.load_images(image_set)
    x = source.images.reshape(len(source.images), -1)
    order = np.random.default_rng(0).permutation(len(x))
    cut = int(0.7 * len(x))
    train, val = order[:cut], order[cut:]
    model = build_mlp(MLPSpec(num_inputs=x.shape[1], num_outputs=len(source.class_names), num_hidden_layers=1, units=HIDDEN_UNITS, activation="relu", initializer="he", seed=0))
    step = SupervisedStep(model, make_optimizer("adam", 0.002), "multiclass", kinds=("kernel",))
    history = engine.fit(step, (x[train], source.labels[train]), (x[val], source.labels[val]), engine.TrainSpec(epochs=JUDGE_EPOCHS, batch_size=64, seed=0))
    weights = tuple(np.asarray(w, dtype=np.float64) for w in model.get_weights())
    return Judge(weights, source.image_shape, source.class_names, float(history.epochs["val_accuracy"].iloc[-1]), source.name)
