"""The map of concept pages in lecture order. Pages whose file is missing are not listed.

Plain data (no Streamlit), so tests and the benchmark read the same list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageEntry:
    section: str
    path: str  # relative to the project root
    title: str
    icon: str
    summary: str

    @property
    def url_path(self) -> str:
        return Path(self.path).stem


CATALOG = (
    PageEntry("Foundations", "pages/activations.py", "Activation functions", "📈", "What each non-linearity looks like, why we need one, and three measured reasons ReLU won."),
    PageEntry("Foundations", "pages/backpropagation.py", "Backpropagation", "🔁", "Step through the chain rule on a network small enough to read, with every number checked."),
    PageEntry("Foundations", "pages/gradient_descent.py", "Gradient descent & optimizers", "⛰️", "Batch vs stochastic vs mini-batch, learning rates, and how SGD, momentum, RMSProp and Adam move."),
    PageEntry("Training deep nets", "pages/vanishing.py", "Vanishing & exploding gradients", "📉", "Why deep sigmoid nets stop learning, why big weights blow up, and the remedies that fix both."),
    PageEntry("Generalization", "pages/overfitting.py", "Overfitting & underfitting", "🎯", "Capacity, train/validation gaps, capacity sweeps and early stopping."),
    PageEntry("Generalization", "pages/regularization.py", "Regularization", "🧲", "L1, L2 and dropout on an overfitting network, compared on one seed."),
    PageEntry("Generalization", "pages/augmentation.py", "Data augmentation", "🔄", "Keras preprocessing layers that make small image sets go further (and when they hurt)."),
    PageEntry("Architectures", "pages/cnn.py", "Convolutional networks", "🧩", "Filters, feature maps and pooling on real images."),
    PageEntry("Architectures", "pages/resnet.py", "Residual networks", "🪜", "Skip connections that let very deep networks train."),
    PageEntry("Architectures", "pages/rnn.py", "RNNs & LSTM", "🔗", "Sequences, hidden state and gates."),
    PageEntry("Generative", "pages/vae.py", "Variational autoencoders", "🌀", "A latent space you can walk through."),
    PageEntry("Generative", "pages/gan.py", "Generative adversarial networks", "🎭", "Two networks in a game: generator vs discriminator."),
)


def available() -> list[PageEntry]:
    return [entry for entry in CATALOG if (ROOT / entry.path).is_file()]
