"""The cost rules, each written once as a plain Python function.

Called with ints a rule gives the number; called with sympy symbols it gives the
formula (``//`` becomes ``floor``); latexify-py renders its source for the
"formulas used" section. Keep every rule a single ``return`` of arithmetic so that
all three uses stay possible.

>>> conv_out(128, 7, 1, 1)
124
"""

from __future__ import annotations


def conv_out(n, k, p, s):
    """Output size of a convolution or pooling window along one axis."""
    return (n + 2 * p - k) // s + 1


def pool_out_ceil(n, k, p, s):
    """Output size of a pooling window along one axis with PyTorch's ``ceil_mode=True``.

    A window may start at 0, s, 2s … of the padded input while it starts before the
    input's end (t < n + p) and overlaps the right edge by less than a stride
    (t < n + 2p − k + s): ceil(min(n + p, n + 2p − k + s) / s).
    """
    return (n + p + min_zero(p + s - k) + s - 1) // s


def min_zero(x):
    """min(0, x) as integer arithmetic, so ints, numpy int arrays and sympy all take it."""
    return (x - abs(x)) // 2


def dilated_kernel(k, r):
    """Extent of a k-wide kernel with dilation r (taps r apart)."""
    return r * (k - 1) + 1


def group_channels(c, g):
    """Input channels each filter sees when c channels are split into g groups."""
    return c // g


def batchnorm_params(c):
    """Learned values of batch normalisation over c channels: a scale and a shift each."""
    return 2 * c


def conv_weights(k, c, f):
    """Weights of a square k×k convolution from c channels to f filters."""
    return k * k * c * f


def conv_macs(k, c, h, w, f):
    """Multiply–accumulates of a k×k convolution producing an h×w×f output from c channels."""
    return k * k * c * h * w * f


def rect_conv_weights(a, b, c, f):
    """Weights of an a×b convolution (a rows, b columns) from c channels to f filters."""
    return a * b * c * f


def rect_conv_macs(a, b, c, h, w, f):
    """Multiply–accumulates of an a×b convolution producing an h×w×f output from c channels."""
    return a * b * c * h * w * f


def dense_weights(n, m):
    """Weights of a dense layer from n inputs to m units (also its multiply–accumulates)."""
    return n * m


def numel(h, w, d):
    """Number of values in an h×w×d tensor."""
    return h * w * d


def augmentation_factor(t, o):
    """Samples per crop: t transforms, plus o = 1 when the originals are kept."""
    return t + o


def samples(i, c, a):
    """Training samples: i images, c crops per image, augmentation factor a."""
    return i * c * a


def dataset_bytes(n, h, w, c, b):
    """Bytes of n samples of h×w×c values stored with b bytes each."""
    return n * h * w * c * b


def batch_cost(f, b, r):
    """Cost of one mini-batch of b samples: forward f plus backward r·f per sample."""
    return (1 + r) * b * f


def iterations(n, b):
    """Iterations per epoch over n samples in batches of b (a partial batch counts)."""
    return (n + b - 1) // b


def run_cost(c, t, e):
    """Cost of e epochs of t iterations each costing c."""
    return e * t * c


def tiles(n, t):
    """Tiles of size t needed to cover n pixels along one axis."""
    return (n + t - 1) // t


def gradient_delta(p, y):
    """∂L/∂o of softmax + cross-entropy for one class: probability minus target."""
    return p - y


def gradient_step(o, eta, d):
    """One plain gradient-descent step."""
    return o - eta * d


def memory_bytes(n, b):
    """Bytes to store n values of b bytes each."""
    return n * b


def rf_size(r, k, j):
    """Receptive field on the input of a window of extent k over outputs j input pixels apart, each seeing r."""
    return r + (k - 1) * j


def rf_jump(j, s):
    """Input pixels between neighbouring outputs of a layer of stride s over outputs j apart."""
    return j * s


def rf_start(a, p, j):
    """Input pixel where the first output's field starts: p padded positions, j apart, before the input's start a."""
    return a - p * j


# ---------------------------------------------------------------- training memory, time and loss


def state_bytes(n, p, b):
    """Bytes of an optimiser's state: n tensors the size of the p parameters, b bytes per value."""
    return n * p * b


def kept_bytes(c, k, b, i, s):
    """Bytes a batch of c samples keeps for the backward pass: k values of b bytes and i int64 indices
    each, and s fp32 statistics for the whole batch (batch normalisation's mean and inverse deviation)."""
    return c * (k * b + 8 * i) + 4 * s


def train_memory(w, m, g, s, a):
    """Memory to train: weights w, master weights m, gradients g, optimiser state s, kept activations a."""
    return w + m + g + s + a


def seconds(c, t, u):
    """Seconds to compute c operations at t operations per second with utilisation u."""
    return c / (t * u)

