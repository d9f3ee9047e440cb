"""Autoencoders (torch, CPU): the bottleneck of a network trained to rebuild its input is the
embedding. `autoencoder` is convolutional, for images; `mlp-autoencoder` is a multilayer
perceptron, for numeric tables (standardised columns).

Two registered names rather than one with a modality switch: the registry gives each method one
modality, which decides what the pipeline hands it (images or a numeric matrix).

Training is seeded and deterministic for a given `threads` (the default 1 gives the same vectors
on every run): the weights are drawn from a private generator, the batches shuffled by a seeded
one, and torch's deterministic algorithms are on while it trains. It stops early when the loss on
a seeded validation split has not improved for `patience` epochs, and keeps the best epoch's
weights. The fitted state is the network's tensors as numpy arrays plus its architecture: no
pickle.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from embedlab import progress
from embedlab.checks import MAX_SEED
from embedlab.errors import InvalidInputError, MissingDependencyError
from embedlab.methods.base import Embedder, as_float32, check_finite_matrix, register
from embedlab.methods.image import check_images, pixel_format, pixel_matrix

INSTALL = 'pip install torch==2.13.0 && pip install "embedlab[torch]"'
TRANSFORM_BATCH = 1024


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise MissingDependencyError(f"The autoencoders need torch: {INSTALL}") from None
    return torch


@contextlib.contextmanager
def _torch_settings(threads: int) -> Iterator[Any]:
    """torch with `threads` threads (0: its default) and deterministic algorithms, both put
    back afterwards so that other torch code in the process is not changed."""
    torch = _torch()
    old_threads, old_deterministic = (
        torch.get_num_threads(),
        torch.are_deterministic_algorithms_enabled(),
    )
    if threads:
        torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    try:
        yield torch
    finally:
        torch.set_num_threads(old_threads)
        torch.use_deterministic_algorithms(old_deterministic)


def _conv_network(channels: int, size: int, dims: int) -> tuple[Any, Any]:
    """Encoder: two stride-2 3x3 convolutions (32, 64 channels) then a linear bottleneck;
    decoder: the mirror image, ending in a sigmoid (pixels are in [0, 1])."""
    nn = _torch().nn
    side = size // 4
    encoder = nn.Sequential(
        nn.Conv2d(channels, 32, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(32, 64, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(64 * side * side, dims),
    )
    decoder = nn.Sequential(
        nn.Linear(dims, 64 * side * side),
        nn.ReLU(),
        nn.Unflatten(1, (64, side, side)),
        nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1),
        nn.ReLU(),
        nn.ConvTranspose2d(32, channels, 3, stride=2, padding=1, output_padding=1),
        nn.Sigmoid(),
    )
    return encoder, decoder


def _mlp_network(features: int, hidden: int, dims: int) -> tuple[Any, Any]:
    """Encoder features -> hidden -> dims, decoder the mirror image (linear output: the inputs
    are standardised, not bounded)."""
    nn = _torch().nn
    encoder = nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, dims))
    decoder = nn.Sequential(nn.Linear(dims, hidden), nn.ReLU(), nn.Linear(hidden, features))
    return encoder, decoder


class _Autoencoder(Embedder):
    """Training loop, early stopping, transform and state shared by the two autoencoders;
    subclasses say how items become the network's input (`_prepare`) and build the network."""

    pretrained = False
    #: architecture numbers kept in the state beside the weights (subclasses set them in fit)
    _architecture: tuple[str, ...] = ()

    dims: int
    epochs: int
    batch_size: int
    learning_rate: float
    validation: float
    patience: int
    threads: int
    seed: int

    def _validate_params(self) -> None:
        for name, low in (("dims", 1), ("epochs", 1), ("batch_size", 1), ("patience", 1)):
            value = getattr(self, name)
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= low
            self._check_param(name, ok, f"an int >= {low}")
        rate = self.learning_rate
        self._check_param(
            "learning_rate",
            isinstance(rate, int | float) and not isinstance(rate, bool) and rate > 0,
            "a float > 0",
        )
        share = self.validation
        self._check_param(
            "validation",
            isinstance(share, int | float) and not isinstance(share, bool) and 0 < share <= 0.5,
            "a float in the range (0, 0.5]",
        )
        ok = isinstance(self.threads, int) and not isinstance(self.threads, bool)
        self._check_param("threads", ok and self.threads >= 0, "an int >= 0 (0 = all cores)")
        # numpy's seed range: seed=-1 crashed in default_rng (exit 1)
        seed_ok = isinstance(self.seed, int) and not isinstance(self.seed, bool)
        seed_ok = seed_ok and 0 <= self.seed <= MAX_SEED
        self._check_param("seed", seed_ok, f"an int in [0, {MAX_SEED}]")

    def _check_bottleneck(self, dims: int, inputs: int, what: str) -> None:
        """Refuse a bottleneck wider than the input: it only copies it (dims=100 on 3 columns
        trained a 100-d "embedding")."""
        if dims > inputs:
            self._check_param("dims", False, f"at most the {inputs:,} {what}, to compress them")

    # -- subclass hooks -------------------------------------------------------------------------
    def _setup(self, X: Any) -> np.ndarray:
        """Learn the input format from the fit data and return it as the network's input."""
        raise NotImplementedError

    def _prepare(self, X: Any) -> np.ndarray:
        """Items as the network's input (float32), in the format learned at fit."""
        raise NotImplementedError

    def _network(self, dims: int) -> tuple[Any, Any]:
        """A freshly initialised (encoder, decoder) with a `dims`-wide bottleneck."""
        raise NotImplementedError

    # -- fit ------------------------------------------------------------------------------------
    def fit(self, X: Any) -> _Autoencoder:
        self._validate_params()
        data = self._setup(X)
        if len(data) < 4:
            raise InvalidInputError(
                f"{self.name} needs at least 4 items to fit (some are held out for validation); "
                f"got {len(data)}."
            )
        rng = np.random.default_rng(self.seed)
        order = rng.permutation(len(data))
        n_val = max(1, round(self.validation * len(data)))
        val, train = data[order[:n_val]], data[order[n_val:]]
        with _torch_settings(self.threads) as torch:
            generator = torch.Generator().manual_seed(self.seed)
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(self.seed)
                self.encoder_, self.decoder_ = self._network(self.dims)
            self._train(torch, torch.from_numpy(train), torch.from_numpy(val), generator)
        self.dimension_ = self.dims
        best = int(np.argmin(self.val_losses_))
        self.report_ = {
            "epochs_run": len(self.val_losses_),
            "best_epoch": best + 1,
            "stopped_early": len(self.val_losses_) < self.epochs,
            "train_loss": round(float(self.train_losses_[best]), 6),
            "validation_loss": round(float(self.val_losses_[best]), 6),
            "validation_items": n_val,
            **{name: int(getattr(self, name + "_")) for name in self._architecture},
        }
        return self

    def _train(self, torch: Any, train: Any, val: Any, generator: Any) -> None:
        """Adam on the mean squared error; stop when the validation loss has not improved for
        `patience` epochs, keeping the best epoch's weights."""
        parameters = [*self.encoder_.parameters(), *self.decoder_.parameters()]
        optimiser = torch.optim.Adam(parameters, lr=self.learning_rate)
        n_batches = -(-len(train) // self.batch_size)
        train_losses: list[float] = []
        val_losses: list[float] = []
        best_state: dict[str, Any] = {}
        for epoch in range(self.epochs):
            seen = f", validation loss {val_losses[-1]:.4g}" if val_losses else ""
            label = f"Training {self.name}: epoch {epoch + 1}/{self.epochs}{seen}"
            total = 0.0
            with progress.task(label, total=n_batches) as bar:
                self._set_mode(train=True)
                for rows in torch.randperm(len(train), generator=generator).split(self.batch_size):
                    batch = train[rows]
                    loss = torch.nn.functional.mse_loss(self.decoder_(self.encoder_(batch)), batch)
                    optimiser.zero_grad()
                    loss.backward()
                    optimiser.step()
                    total += loss.item() * len(rows)
                    bar.advance(1)
            train_losses.append(total / len(train))
            val_losses.append(float(self._reconstruction(torch, val).mean()))
            if val_losses[-1] <= min(val_losses):
                best_state = self._state_arrays()
            elif epoch - int(np.argmin(val_losses)) >= self.patience:
                break
        self._load_arrays(best_state)
        self.train_losses_ = np.asarray(train_losses, dtype=np.float32)
        self.val_losses_ = np.asarray(val_losses, dtype=np.float32)

    def _set_mode(self, train: bool) -> None:
        self.encoder_.train(train)
        self.decoder_.train(train)

    def _reconstruction(self, torch: Any, data: Any) -> Any:
        """Per-item mean squared reconstruction error, in batches, without gradients."""
        self._set_mode(train=False)
        errors = []
        with torch.inference_mode():
            for batch in data.split(TRANSFORM_BATCH):
                rebuilt = self.decoder_(self.encoder_(batch))
                errors.append(((rebuilt - batch) ** 2).flatten(1).mean(dim=1))
        return torch.cat(errors)

    # -- transform ------------------------------------------------------------------------------
    def transform(self, X: Any) -> np.ndarray:
        self._check_fitted()
        data = self._prepare(X)
        out = np.empty((len(data), self.dimension_), dtype=np.float32)
        with _torch_settings(self.threads) as torch:
            self._set_mode(train=False)
            with torch.inference_mode():
                for start in range(0, len(data), TRANSFORM_BATCH):
                    batch = torch.from_numpy(data[start : start + TRANSFORM_BATCH])
                    out[start : start + len(batch)] = self.encoder_(batch).numpy()
        return as_float32(out)

    def reconstruction_error(self, X: Any) -> np.ndarray:
        """Per-item mean squared error of the rebuilt input, in the network's input units
        (pixels in [0, 1], or standardised columns): comparable with PCA's."""
        self._check_fitted()
        data = self._prepare(X)
        with _torch_settings(self.threads) as torch:
            return self._reconstruction(torch, torch.from_numpy(data)).numpy().astype(np.float32)

    # -- state ----------------------------------------------------------------------------------
    def _state_arrays(self) -> dict[str, np.ndarray]:
        arrays = {}
        for part, module in (("encoder", self.encoder_), ("decoder", self.decoder_)):
            for key, tensor in module.state_dict().items():
                arrays[f"{part}.{key}"] = tensor.detach().numpy().copy()
        return arrays

    def _load_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        torch = _torch()
        for part, module in (("encoder", self.encoder_), ("decoder", self.decoder_)):
            prefix = part + "."
            tensors = {
                k[len(prefix) :]: torch.from_numpy(np.array(v))
                for k, v in arrays.items()
                if k.startswith(prefix)
            }
            module.load_state_dict(tensors)

    def get_state(self) -> dict[str, np.ndarray]:
        self._check_fitted()
        state = {f"weights.{k}": v for k, v in self._state_arrays().items()}
        state.update({f"arch.{n}": np.array(getattr(self, n + "_")) for n in self._architecture})
        state["arch.dims"] = np.array(self.dimension_)
        state["train_losses"] = self.train_losses_
        state["val_losses"] = self.val_losses_
        return {**state, **self._extra_state()}

    def _extra_state(self) -> dict[str, np.ndarray]:
        return {}

    def set_state(self, state: dict[str, np.ndarray]) -> _Autoencoder:
        for name in self._architecture:
            setattr(self, name + "_", state[f"arch.{name}"].item())
        self._restore_extra(state)
        self.dimension_ = int(state["arch.dims"])
        with _torch().random.fork_rng(devices=[]):
            self.encoder_, self.decoder_ = self._network(self.dimension_)
        self._load_arrays(
            {k[len("weights.") :]: v for k, v in state.items() if k[:8] == "weights."}
        )
        self.train_losses_ = np.asarray(state["train_losses"], dtype=np.float32)
        self.val_losses_ = np.asarray(state["val_losses"], dtype=np.float32)
        self.report_ = {}
        return self

    def _restore_extra(self, state: dict[str, np.ndarray]) -> None:
        pass


@register
class ConvAutoencoder(_Autoencoder):
    """Convolutional autoencoder of images at `size` x `size` pixels (0: the images' own size
    when they share a square one, else 32; rounded up to a multiple of 4), grey when every
    fitted image is grey (or as `colour` says); the `dims`-wide bottleneck is the embedding."""

    name = "autoencoder"
    modality = "image"
    summary = "convolutional autoencoder of images, bottleneck = embedding (torch)"
    _architecture = ("size", "channels")

    def __init__(
        self,
        *,
        dims: int = 32,
        size: int = 0,
        colour: str = "auto",
        epochs: int = 30,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        validation: float = 0.1,
        patience: int = 3,
        threads: int = 1,
        seed: int = 0,
    ) -> None:
        self.dims = dims
        self.size = size
        self.colour = colour
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation = validation
        self.patience = patience
        self.threads = threads
        self.seed = seed

    def _validate_params(self) -> None:
        super()._validate_params()
        self._check_param(
            "size",
            isinstance(self.size, int) and (self.size == 0 or (8 <= self.size <= 256)),
            "0 (the images' own size) or an int in the range [8, 256]",
        )
        self._check_param(
            "colour", self.colour in ("auto", "grey", "rgb"), "one of 'auto', 'grey', 'rgb'"
        )

    def _setup(self, X: Sequence[Any]) -> np.ndarray:
        images = check_images(X)
        if not images:
            raise InvalidInputError("autoencoder got no images to fit.")
        side, grey = pixel_format(images, self.size, self.colour)
        self.size_ = int(4 * -(-max(side, 8) // 4))  # two stride-2 layers: a multiple of 4
        self.channels_ = 1 if grey else 3
        return self._pixels(images)

    def _prepare(self, X: Sequence[Any]) -> np.ndarray:
        return self._pixels(check_images(X))

    def _pixels(self, images: list[Any]) -> np.ndarray:
        """(n, channels, size, size) pixels in [0, 1]."""
        flat = pixel_matrix(images, self.size_, self.channels_ == 1)
        shaped = flat.reshape(len(images), self.size_, self.size_, self.channels_)
        return np.ascontiguousarray(shaped.transpose(0, 3, 1, 2))

    def _network(self, dims: int) -> tuple[Any, Any]:
        kind = "grey" if self.channels_ == 1 else "RGB"
        inputs = self.channels_ * self.size_ * self.size_
        self._check_bottleneck(
            dims, inputs, f"pixel values of a {self.size_}x{self.size_} {kind} image"
        )
        return _conv_network(self.channels_, self.size_, dims)


@register
class MLPAutoencoder(_Autoencoder):
    """Multilayer-perceptron autoencoder of numeric columns, standardised first (mean 0,
    variance 1 on the fit data); the `dims`-wide bottleneck is the embedding."""

    name = "mlp-autoencoder"
    modality = "numeric"
    summary = "MLP autoencoder of numeric columns, bottleneck = embedding (torch)"
    _architecture = ("features", "hidden")

    def __init__(
        self,
        *,
        dims: int = 32,
        hidden: int = 128,
        epochs: int = 100,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        validation: float = 0.1,
        patience: int = 5,
        threads: int = 1,
        seed: int = 0,
    ) -> None:
        self.dims = dims
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation = validation
        self.patience = patience
        self.threads = threads
        self.seed = seed

    def _validate_params(self) -> None:
        super()._validate_params()
        ok = isinstance(self.hidden, int) and not isinstance(self.hidden, bool)
        self._check_param("hidden", ok and self.hidden >= 1, "an int >= 1")

    def _setup(self, X: Any) -> np.ndarray:
        data = check_finite_matrix(X, "mlp-autoencoder input")
        self.features_ = int(data.shape[1])
        self.hidden_ = self.hidden
        self.mean_ = data.mean(axis=0)
        std = data.std(axis=0)
        self.scale_ = np.where(std > 0, std, 1.0).astype(np.float32)
        return self._standardise(data)

    def _prepare(self, X: Any) -> np.ndarray:
        data = check_finite_matrix(X, "mlp-autoencoder input")
        if data.shape[1] != self.features_:
            raise InvalidInputError(
                f"mlp-autoencoder was fitted on {self.features_} columns; got {data.shape[1]}."
            )
        return self._standardise(data)

    def _standardise(self, data: np.ndarray) -> np.ndarray:
        return as_float32((data - self.mean_) / self.scale_)

    def _network(self, dims: int) -> tuple[Any, Any]:
        self._check_bottleneck(dims, self.features_, "input column(s)")
        return _mlp_network(self.features_, self.hidden_, dims)

    def _extra_state(self) -> dict[str, np.ndarray]:
        return {"mean": self.mean_, "scale": self.scale_}

    def _restore_extra(self, state: dict[str, np.ndarray]) -> None:
        self.mean_ = np.asarray(state["mean"], dtype=np.float32)
        self.scale_ = np.asarray(state["scale"], dtype=np.float32)
