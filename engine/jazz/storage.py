"""Saving and loading a trained jazz model: a folder with ``model.keras`` and ``model.json``.

``model.keras`` is Keras's own format (weights and architecture, no pickled
code) and is loaded with ``safe_mode=True``. ``model.json`` holds what Keras
does not: the vocabulary in one-hot order, the training settings and history,
what the model remembers of its source piece, a format version, and the
SHA-256 of the ``.keras`` file it belongs with. Each file is written
atomically, the ``.keras`` first and the JSON last, so a folder is never read
as a mix of two saves: a JSON pointing at another ``.keras`` is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from engine.atomic import atomic_path, write_text_atomic
from engine.jazz.corpus import SourceInfo
from engine.jazz.errors import ModelFileError
from engine.jazz.model import TrainedModel, TrainSettings, keras_module

__all__ = ["FORMAT", "FORMAT_VERSION", "KERAS_FILE", "JSON_FILE", "save_model", "load_model"]

FORMAT = "sequence-studio/jazz-lstm"
FORMAT_VERSION = 1
KERAS_FILE = "model.keras"
JSON_FILE = "model.json"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_model(model: TrainedModel, folder: str | os.PathLike) -> Path:
    """Save ``model`` into ``folder`` (created if needed); returns the folder."""
    from engine.version import app_version

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ModelFileError(f"{folder} is a file; a model is saved into a folder.")
    folder.mkdir(parents=True, exist_ok=True)
    keras_path = folder / KERAS_FILE
    with atomic_path(keras_path, suffix=".keras") as tmp:
        model.keras_model.save(str(tmp))
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": app_version(),
        "keras_file": KERAS_FILE,
        "keras_sha256": _sha256(keras_path),
        "vocabulary": list(model.vocabulary),
        "settings": model.settings.to_json(),
        "source": model.source.to_json(),
        "history": {k: [float(v) for v in vs] for k, vs in model.history.items()},
        "seconds": float(model.seconds),
    }
    write_text_atomic(folder / JSON_FILE, json.dumps(meta, indent=1))
    return folder


def _read_meta(folder: Path) -> dict:
    json_path = folder / JSON_FILE
    if not json_path.is_file():
        raise ModelFileError(f"{folder} holds no saved jazz model ({JSON_FILE} is missing).")
    try:
        meta = json.loads(json_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{json_path.name} in {folder} is damaged ({exc}).") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{json_path.name} in {folder} is not a jazz model description.")
    version = meta.get("format_version")
    if not isinstance(version, int):
        raise ModelFileError(f"{json_path.name} in {folder} has no format version.")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"The model in {folder} was saved by a newer version of the studio (format {version}); "
            f"this one reads format {FORMAT_VERSION}."
        )
    return meta


def load_model(folder: str | os.PathLike) -> TrainedModel:
    """Load a model saved by :func:`save_model`; :class:`ModelFileError` if anything is missing,
    damaged, from another save, or inconsistent with its vocabulary and settings."""
    folder = Path(folder)
    if not folder.exists():
        raise ModelFileError(f"No such model folder: {folder}")
    if folder.is_file():  # accept the path of either file inside the folder
        folder = folder.parent
    meta = _read_meta(folder)
    keras_path = folder / str(meta.get("keras_file", KERAS_FILE))
    if not keras_path.is_file():
        raise ModelFileError(f"{folder} is missing {keras_path.name}, the trained weights.")
    if _sha256(keras_path) != meta.get("keras_sha256"):
        raise ModelFileError(
            f"{keras_path.name} in {folder} does not belong with {JSON_FILE} (it was replaced or damaged)."
        )
    try:
        vocabulary = tuple(str(t) for t in meta["vocabulary"])
        settings = TrainSettings.from_json(meta["settings"])
        source = SourceInfo.from_json(meta["source"])
        history = {str(k): [float(v) for v in vs] for k, vs in meta.get("history", {}).items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{JSON_FILE} in {folder} is incomplete or damaged ({exc}).") from exc
    if not vocabulary or len(set(vocabulary)) != len(vocabulary):
        raise ModelFileError(f"{JSON_FILE} in {folder} has an empty or repeated vocabulary.")
    if any(not 0 <= i < len(vocabulary) for i in source.token_indices):
        raise ModelFileError(f"{JSON_FILE} in {folder} refers to tokens outside its vocabulary.")

    keras = keras_module()
    try:
        keras_model = keras.models.load_model(str(keras_path), safe_mode=True, compile=False)
    except Exception as exc:  # Keras raises ValueError, OSError, zipfile errors... for a bad file
        raise ModelFileError(f"{keras_path.name} in {folder} cannot be loaded ({exc}).") from exc

    model = TrainedModel(keras_model, vocabulary, settings, source, history, float(meta.get("seconds", 0.0)))
    try:
        params = model.parameters
    except (StopIteration, ValueError) as exc:
        raise ModelFileError(f"{keras_path.name} in {folder} is not an LSTM jazz model.") from exc
    n_y, n_a = params["Wy"].shape
    n_x = params["Wf"].shape[1] - n_a
    if n_y != len(vocabulary) or n_x != len(vocabulary):
        raise ModelFileError(
            f"The model in {folder} reads {n_x} and predicts {n_y} tokens, but its vocabulary has "
            f"{len(vocabulary)}: the two files do not match."
        )
    if n_a != settings.n_a:
        raise ModelFileError(f"The model in {folder} has {n_a} LSTM units but its settings say {settings.n_a}.")
    return model
