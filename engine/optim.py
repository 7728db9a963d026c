"""How the knobs are turned after each tasting.

Adam is the old master with a memory: he remembers the recent direction of
each knob (momentum) and how jumpy it has been (its typical size), so sensitive
knobs get small turns and sluggish ones larger turns. SGD is the plain
apprentice who turns every knob by its influence times the strength of his
hand. Both act on the flat parameter vector in place, with the learning rate
decaying linearly to zero over the run, as the reference does.
"""

import dataclasses

import numpy as np

OPTIMIZERS = ("adam", "sgd")


@dataclasses.dataclass(frozen=True)
class AdamConfig:
    lr: float = 0.01       # strength of the hand at the first step
    beta1: float = 0.85    # how long the master remembers the direction
    beta2: float = 0.99    # how long he remembers how jumpy a knob is
    eps: float = 1e-8      # keeps the division safe for knobs that never moved


def decayed_lr(lr, i, num_steps):
    """The reference's linear decay: full strength at step 0, near zero at the end."""
    return lr * (1 - i / num_steps)


class Adam:
    """Adam with bias correction on a flat vector, element for element as the reference."""

    def __init__(self, n, config=AdamConfig()):
        self.config = config
        self.m = np.zeros(n)  # remembered direction
        self.v = np.zeros(n)  # remembered squared size
        self._a = np.empty(n)  # scratch, so a step allocates nothing
        self._b = np.empty(n)

    def update(self, flat, grad, i, num_steps):
        # the reference's arithmetic, operation for operation, written into buffers:
        # m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g²;
        # flat -= lr_t (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
        c = self.config
        lr_t = decayed_lr(c.lr, i, num_steps)
        a, b = self._a, self._b
        self.m *= c.beta1
        np.multiply(grad, 1 - c.beta1, out=a)
        self.m += a
        self.v *= c.beta2
        np.multiply(grad, grad, out=a)
        a *= 1 - c.beta2
        self.v += a
        np.divide(self.m, 1 - c.beta1 ** (i + 1), out=a)
        a *= lr_t
        np.divide(self.v, 1 - c.beta2 ** (i + 1), out=b)
        np.sqrt(b, out=b)
        b += c.eps
        a /= b
        flat -= a
        return lr_t


class SGD:
    """Plain gradient descent: every knob moves by its influence times the hand."""

    def __init__(self, n, lr=0.01):
        self.lr = lr

    def update(self, flat, grad, i, num_steps):
        lr_t = decayed_lr(self.lr, i, num_steps)
        flat -= lr_t * grad
        return lr_t


def make(name, n, lr):
    if name == "adam":
        return Adam(n, AdamConfig(lr=lr))
    if name == "sgd":
        return SGD(n, lr=lr)
    raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {name!r}")
