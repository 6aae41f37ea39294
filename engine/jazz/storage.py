"""Saving and loading a trained jazz model: a folder holding ``weights.npz`` and ``model.json``.

``weights.npz`` holds the five float32 arrays of :mod:`engine.jazz.weights`
(numpy reads it with ``allow_pickle=False``); ``model.json`` holds the rest: a
format version, the vocabulary in one-hot order, the training settings and
history, what the model remembers of its source music, and the SHA-256 of the
weights it belongs with. Loading needs numpy only -- no TensorFlow.

A folder is saved whole (:func:`engine.atomic.atomic_folder`): a reader finds
the old model or the new one, never a mix and never neither. Every field is
checked on load; anything wrong is a :class:`ModelFileError` whose message is
one sentence. Folders of the first format (``model.keras`` + ``model.json``)
still load, through Keras.

Replacing a model: :func:`model_destination` says where a new model should go
so that a good model is never replaced by a partial, diverged or worse one
without the user asking (``force``).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from engine.atomic import atomic_folder, restore_interrupted_swap
from engine.files import FileCheckError, check_input_file, describe_kind, read_input_bytes
from engine.jazz.corpus import SourceInfo
from engine.jazz.errors import CorpusError, ModelFileError
from engine.jazz.model import LIMITS, TrainedModel, TrainSettings
from engine.jazz.position import FEATURES
from engine.jazz.weights import WEIGHT_NAMES, weight_shapes

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "WEIGHTS_FILE",
    "JSON_FILE",
    "KERAS_FILE",
    "save_model",
    "load_model",
    "is_model_folder",
    "model_destination",
]

FORMAT = "sequence-studio/jazz-lstm"
FORMAT_VERSION = 2
WEIGHTS_FILE = "weights.npz"
JSON_FILE = "model.json"
KERAS_FILE = "model.keras"  # format 1
MAX_JSON_BYTES = 64 * 2**20
MAX_VOCABULARY = 100_000


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _finite_list(values) -> list:
    return [float(v) if math.isfinite(float(v)) else None for v in values]


def is_model_folder(folder: str | os.PathLike) -> bool:
    """True when ``folder`` holds a saved jazz model (of any format)."""
    return (Path(folder) / JSON_FILE).is_file()


def save_model(model: TrainedModel, folder: str | os.PathLike) -> Path:
    """Save ``model`` into ``folder``, whole or not at all; returns the folder.

    An existing model folder is replaced in one step. A file, or a folder holding
    anything but a model, is refused: saving never deletes the user's other files.
    """
    from engine.version import app_version

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ModelFileError(f"{folder} is a file; a model is saved into a folder.")
    if folder.is_dir() and any(folder.iterdir()) and not is_model_folder(folder):
        raise ModelFileError(f"{folder} holds other files; choose a new folder name for the model.")
    buffer = io.BytesIO()
    np.savez(buffer, **{name: np.asarray(model.weights[name], dtype=np.float32) for name in WEIGHT_NAMES})
    data = buffer.getvalue()
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": app_version(),
        "weights_file": WEIGHTS_FILE,
        "weights_sha256": _sha256(data),
        "n_a": model.n_a,
        "position_features": int(model.weights["lstm_kernel"].shape[0] - model.n_values),
        "vocabulary": list(model.vocabulary),
        "tokens": [[t.kind, t.steps, t.low, t.high] for t in model.tokens],  # parsed: loading needs no music21
        "settings": model.settings.to_json(),
        "source": model.source.to_json(),
        "history": {k: _finite_list(vs) for k, vs in model.history.items()},
        "seconds": float(model.seconds),
        "best_epoch": int(model.best_epoch),
        "stopped": model.stopped,
    }
    try:
        with atomic_folder(folder) as tmp:
            (tmp / WEIGHTS_FILE).write_bytes(data)
            (tmp / JSON_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
            for path in (tmp / WEIGHTS_FILE, tmp / JSON_FILE):
                with open(path, "rb+") as fh:
                    os.fsync(fh.fileno())
    except OSError as exc:
        raise ModelFileError(f"Cannot save the model into {folder}: {exc.strerror or exc}.") from None
    return folder


def _read_meta(folder: Path) -> dict:
    json_path = folder / JSON_FILE
    if not json_path.exists():
        raise ModelFileError(f"{folder} holds no saved jazz model ({JSON_FILE} is missing).")
    try:
        raw = read_input_bytes(json_path, "model description", MAX_JSON_BYTES)
    except FileCheckError as exc:
        raise ModelFileError(str(exc)) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ModelFileError(f"{JSON_FILE} in {folder} is UTF-16 text; save it as UTF-8.")
    try:
        meta = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ModelFileError(f"{JSON_FILE} in {folder} is damaged ({str(exc).splitlines()[0]}).") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{JSON_FILE} in {folder} is not a jazz model description.")
    version = meta.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ModelFileError(f"{JSON_FILE} in {folder} has no valid format version.")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"The model in {folder} was saved by a newer version of the studio (format {version}); "
            f"this one reads formats up to {FORMAT_VERSION}."
        )
    return meta


def _whole(value, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high:,}, not {value!r}")
    return value


def _number(value, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValueError(f"{name} must be a number from {low:g} to {high:g}, not {value!r}")
    return float(value)


def _check_vocabulary(values, parsed) -> tuple[tuple[str, ...], tuple]:
    """The vocabulary and its tokens: read from their stored fields when present, else parsed."""
    from engine.jazz.grammar import KINDS, Token
    from engine.jazz.melody import STEPS

    if not isinstance(values, list) or not values or len(values) > MAX_VOCABULARY:
        raise ValueError("the vocabulary is empty or too large")
    if not all(isinstance(v, str) for v in values) or len(set(values)) != len(values):
        raise ValueError("the vocabulary has repeated or non-text tokens")
    if parsed is None:
        return tuple(values), tuple(Token.parse(text) for text in values)  # ValueError naming the token
    if not isinstance(parsed, list) or len(parsed) != len(values):
        raise ValueError("the parsed tokens do not match the vocabulary")
    tokens = []
    for text, fields in zip(values, parsed, strict=True):
        if not isinstance(fields, list) or len(fields) != 4 or fields[0] not in KINDS or fields[0] != text[:1]:
            raise ValueError(f"token {text!r} is stored wrongly")
        kind, steps, low, high = fields
        _whole(steps, f"the length of token {text!r}", 1, 64 * STEPS)
        if (low is None) != (high is None):
            raise ValueError(f"token {text!r} has half an interval window")
        if low is not None:
            _whole(low, f"the interval window of {text!r}", -127, 127)
            _whole(high, f"the interval window of {text!r}", low, 127)
        tokens.append(Token(kind, steps / STEPS, low, high))
    return tuple(values), tuple(tokens)


def _check_history(data) -> dict[str, list[float]]:
    if not isinstance(data, dict):
        raise ValueError("the training history is not a JSON object")
    out = {}
    for key, values in data.items():
        if not isinstance(values, list):
            raise ValueError(f"history {key!r} is not a list")
        out[str(key)] = [float("nan") if v is None else _number(v, f"history {key!r}", -1e300, 1e300) for v in values]
    return out


def _read_weights(folder: Path, meta: dict, n_values: int, n_a: int, features: int) -> dict[str, np.ndarray]:
    path = folder / str(meta.get("weights_file", WEIGHTS_FILE))
    if path.name != WEIGHTS_FILE:
        raise ModelFileError(f"{JSON_FILE} in {folder} names an unexpected weights file.")
    shapes = weight_shapes(n_values, n_a, features)
    expected = sum(4 * math.prod(s) for s in shapes.values())
    limit = expected + 4096 * len(shapes) + 1024  # the arrays, their headers and the zip directory
    try:
        check_input_file(path, "weights file")
        data = read_input_bytes(path, "weights file", limit)
    except FileCheckError as exc:
        if not path.exists():
            raise ModelFileError(f"{folder} is missing {WEIGHTS_FILE}, the trained weights.") from None
        if not path.is_file():  # a pipe, a device, a folder: say what it is, nothing more
            raise ModelFileError(str(exc)) from None
        raise ModelFileError(f"{WEIGHTS_FILE} in {folder} does not match its model: {exc}") from None
    if _sha256(data) != meta.get("weights_sha256"):
        raise ModelFileError(f"{WEIGHTS_FILE} in {folder} does not belong with {JSON_FILE} (it was replaced or damaged).")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:  # declared sizes, before anything is inflated
            if sum(info.file_size for info in archive.infolist()) > limit:
                raise ModelFileError(f"{WEIGHTS_FILE} in {folder} declares more data than its model holds.")
        weights = {}
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            for name, shape in shapes.items():
                if name not in archive.files:
                    raise ModelFileError(f"{WEIGHTS_FILE} in {folder} lacks the array {name}.")
                value = archive[name]
                if value.shape != shape or value.dtype != np.float32:
                    raise ModelFileError(
                        f"{WEIGHTS_FILE} in {folder} does not match {JSON_FILE}: {name} is {value.dtype}{value.shape}, "
                        f"the model needs float32{shape}."
                    )
                if not np.isfinite(value).all():
                    raise ModelFileError(f"{WEIGHTS_FILE} in {folder} holds values that are not finite.")
                weights[name] = value
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as exc:
        reason = "it needs pickle, which is never loaded" if "pickle" in str(exc) else "it is not a valid .npz archive"
        raise ModelFileError(f"{WEIGHTS_FILE} in {folder} cannot be loaded: {reason}.") from None
    return weights


def _load_keras_weights(folder: Path, meta: dict) -> dict[str, np.ndarray]:
    """Format 1: the weights from ``model.keras`` (this imports TensorFlow)."""
    from engine.jazz.model import keras_module
    from engine.jazz.weights import keras_weights

    keras_path = folder / str(meta.get("keras_file", KERAS_FILE))
    if not keras_path.is_file():
        raise ModelFileError(f"{folder} is missing {keras_path.name}, the trained weights.")
    try:
        data = read_input_bytes(keras_path, "Keras model", 2**30)
    except FileCheckError as exc:
        raise ModelFileError(str(exc)) from None
    if _sha256(data) != meta.get("keras_sha256"):
        raise ModelFileError(
            f"{keras_path.name} in {folder} does not belong with {JSON_FILE} (it was replaced or damaged)."
        )
    keras = keras_module()
    try:
        keras_model = keras.models.load_model(str(keras_path), safe_mode=True, compile=False)
    except Exception as exc:  # Keras raises ValueError, OSError, zipfile errors... for a bad file
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise ModelFileError(f"{keras_path.name} in {folder} cannot be loaded ({reason}).") from None
    try:
        return keras_weights(keras_model)
    except (StopIteration, ValueError) as exc:
        raise ModelFileError(f"{keras_path.name} in {folder} is not an LSTM jazz model.") from exc


def load_model(folder: str | os.PathLike) -> TrainedModel:
    """Load a model saved by :func:`save_model` (or by the first format); :class:`ModelFileError`
    if anything is missing, damaged, out of range, from another save, or inconsistent."""
    folder = Path(folder)
    if not folder.exists():
        restore_interrupted_swap(folder)  # a save killed between its two renames left the old folder aside
    if not folder.exists():
        raise ModelFileError(f"No such model folder: {folder}")
    if not (folder.is_file() or folder.is_dir()):
        raise ModelFileError(f"{folder} is {describe_kind(folder)}, not a model folder.")
    if folder.is_file():  # accept the path of a file inside the folder
        folder = folder.parent
    meta = _read_meta(folder)
    try:
        vocabulary, tokens = _check_vocabulary(meta.get("vocabulary"), meta.get("tokens"))
        settings = TrainSettings.from_json(meta.get("settings"))
        source = SourceInfo.from_json(meta.get("source"), len(vocabulary))
        history = _check_history(meta.get("history", {}))
        seconds = _number(meta.get("seconds", 0.0), "the training time", 0.0, 1e9)
        best_epoch = _whole(meta.get("best_epoch", 0), "the best epoch", 0, LIMITS["epochs"])
        stopped = meta.get("stopped", "completed")
        if stopped not in ("completed", "early", "finished", "diverged"):
            raise ValueError(f"unknown end of training {stopped!r}")
        n_a = _whole(meta.get("n_a", settings.n_a), "the LSTM units", 1, LIMITS["n_a"])
        features = meta.get("position_features", 0)
        if features not in (0, FEATURES) or isinstance(features, bool):
            raise ValueError(f"position_features must be 0 or {FEATURES}, not {features!r}")
    except ModelFileError:
        raise
    except CorpusError as exc:  # a setting out of range: its own sentence says which
        raise ModelFileError(f"{JSON_FILE} in {folder} is out of range: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{JSON_FILE} in {folder} is damaged or out of range: {exc}.") from None
    except Exception as exc:  # a field another module parses (e.g. a chord) with its own errors
        raise ModelFileError(f"{JSON_FILE} in {folder} is damaged ({type(exc).__name__}: {exc}).") from None
    if meta["format_version"] == 1:
        # the first format trained as the course did: no dropout, nothing held out, no position inputs
        old = {"dropout": 0.0, "recurrent_dropout": 0.0, "validation": 0.0, "positions": False}
        settings = replace(settings, **{k: v for k, v in old.items() if k not in meta["settings"]})
        weights = _load_keras_weights(folder, meta)
        n_y, n_x = weights["dense_kernel"].shape[1], weights["lstm_kernel"].shape[0]
        if n_y != len(vocabulary) or n_x not in (len(vocabulary), len(vocabulary) + FEATURES):
            raise ModelFileError(
                f"The model in {folder} reads {n_x} and predicts {n_y} tokens, but its vocabulary has "
                f"{len(vocabulary)}: the two files do not match."
            )
        if weights["lstm_recurrent"].shape[0] != settings.n_a:
            raise ModelFileError(
                f"The model in {folder} has {weights['lstm_recurrent'].shape[0]} LSTM units but its settings say "
                f"{settings.n_a}."
            )
    else:
        if n_a != settings.n_a:
            raise ModelFileError(f"The model in {folder} has {n_a} LSTM units but its settings say {settings.n_a}.")
        weights = _read_weights(folder, meta, len(vocabulary), n_a, features)
    model = TrainedModel(weights, vocabulary, settings, source, history, seconds, best_epoch, stopped)
    model._tokens = tokens
    return model


def _beside(folder: Path) -> Path:
    for k in range(2, 10_000):
        candidate = folder.with_name(f"{folder.name}-{k}")
        if not candidate.exists():
            return candidate
    raise ModelFileError(f"Too many models beside {folder}; choose another name.")


def model_destination(model: TrainedModel, folder: str | os.PathLike, force: bool = False) -> tuple[Path, str]:
    """Where to save ``model`` asked to go into ``folder``, and one line saying what happens.

    A folder without a model: there. With a model: replaced when ``force``, or when the
    new one is complete and not worse on the same music (lower or equal held-out loss);
    otherwise the new model goes beside it (``folder-2``, ...) and the old one is kept.
    """
    folder = Path(folder)
    if not is_model_folder(folder):
        return folder, f"saved the model in {folder}"
    if force:
        return folder, f"replaced the model in {folder} (--force)"
    why = None
    if model.partial:
        why = "the new one is partial" if model.stopped == "finished" else "the new one diverged"
    else:
        try:
            old = load_model(folder)
        except ModelFileError:
            old = None  # a damaged model is worth nothing: replace it
        if old is not None and old.vocabulary == model.vocabulary and old.source.token_indices == model.source.token_indices:
            old_loss, new_loss = old.best_val_loss, model.best_val_loss
            if old_loss is not None and new_loss is not None and new_loss > old_loss:
                why = f"the new one is worse on held-out phrases (loss {new_loss:.3f} against {old_loss:.3f})"
    if why is None:
        return folder, f"replaced the model in {folder}"
    target = _beside(folder)
    return target, f"kept the model in {folder} ({why}); saved the new one in {target} (--force replaces)"
