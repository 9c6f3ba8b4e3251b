"""Several networks trained side by side in one compiled loop: same batches, same order, each on its own loss.

The networks share an input and nothing else. The combined model stacks
their logits into one tensor (batch, K, outputs); the step's loss is the sum
of the K losses, so each network's weights get only their own loss's
gradient. With Adam (elementwise, per variable) that is the same as K
separate runs on the same batches, at the price of one trace and one loop.

Every number recorded per network goes under ``name/network``
(``loss/plain_32``, ``accuracy/resnet_8``); gradient groups are named
``network/block_3/first`` by the engine's walk of the sub-models.
"""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd

from dlcore.device import tf
from dlcore.steps import SupervisedStep, loss_and_accuracy


def per_network(metric: str, network: str) -> str:
    return f"{metric}/{network}"


def side_by_side_model(networks: list[keras.Model]) -> keras.Model:
    """One model whose output stacks every network's logits: (batch, K, outputs)."""
    inputs = keras.Input(shape=networks[0].input_shape[1:], name="inputs")
    outputs = keras.ops.stack([network(inputs) for network in networks], axis=1)
    return keras.Model(inputs, outputs, name="side_by_side")


class SideBySideStep(SupervisedStep):
    """K networks in one graph, each trained on its own loss; metrics and weight norms per network."""

    def __init__(self, networks: list[keras.Model], optimizer, task: str, kinds=("kernel",)):
        self.network_names = tuple(network.name for network in networks)
        if len(set(self.network_names)) != len(networks):
            raise ValueError(f"the networks need distinct names, got {self.network_names}")
        super().__init__(side_by_side_model(networks), optimizer, task, kinds=kinds)
        self.networks = tuple(networks)
        self.metric_names = tuple(per_network(metric, name) for metric in ("loss", "accuracy") for name in self.network_names)
        self.state_names = tuple(per_network("weight_norm", name) for name in self.network_names)
        self.scalar_names = ("loss", "data_loss", *(per_network("loss", name) for name in self.network_names))

    def per_network_losses(self, y, outputs):
        return [loss_and_accuracy(self.task, y, outputs[:, index]) for index in range(len(self.networks))]

    def data_loss(self, y, outputs):
        return tf.add_n([loss for loss, _ in self.per_network_losses(y, outputs)])

    def loss_and_gradients(self, x, y):
        variables = self.model.trainable_variables
        with tf.GradientTape() as tape:
            outputs = self.model(x, training=True)
            losses = [loss for loss, _ in self.per_network_losses(y, outputs)]
            data_loss = tf.add_n(losses)
        gradients = tape.gradient(data_loss, variables)
        gradients = [g if g is not None else tf.zeros_like(v) for g, v in zip(gradients, variables)]
        return tf.stack([data_loss, data_loss, *losses]), gradients, []

    def evaluate_batch(self, x, y):
        pairs = self.per_network_losses(y, self.model(x, training=False))
        return tf.stack([loss for loss, _ in pairs] + [accuracy for _, accuracy in pairs])

    def state(self):
        norms = []
        for network in self.networks:
            kernels = [v for v in network.trainable_variables if len(v.shape) > 1]
            norms.append(tf.sqrt(tf.add_n([tf.reduce_sum(tf.square(k)) for k in kernels])))
        return tf.stack(norms)


def network_table(epochs: pd.DataFrame, network: str) -> pd.DataFrame:
    """One network's per-epoch curves under the usual names (train_loss, val_loss, train_accuracy, ...)."""
    renamed = {}
    for split in ("train", "val"):
        for metric in ("loss", "accuracy"):
            column = f"{split}_{per_network(metric, network)}"
            if column in epochs:
                renamed[column] = f"{split}_{metric}"
    if per_network("weight_norm", network) in epochs:
        renamed[per_network("weight_norm", network)] = "weight_norm"
    return epochs[["epoch", *renamed]].rename(columns=renamed).reset_index(drop=True)


def final(epochs: pd.DataFrame, column: str, network: str) -> float:
    return float(np.asarray(network_table(epochs, network)[column])[-1])
