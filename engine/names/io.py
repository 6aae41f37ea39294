"""Saving and loading a trained names model: one ``.npz`` file, no pickle, checked on load.

The archive holds plain numeric arrays only (numpy reads it with
``allow_pickle=False``):

    E, b, Wh, Wy, by   the weights (see :mod:`engine.names.model`)
    metadata           UTF-8 bytes of a JSON object: format and version, cell,
                       hidden size, vocabulary, lower-casing, hyperparameters,
                       losses, training time, where the corpus came from
    known_names        UTF-8 bytes of the training names, one per line, so that
                       sampled names can be marked new or known later

Writing goes to a temporary file beside the target, renamed into place at the
end, so a crash never leaves half a model. Loading refuses -- with a sentence
saying why -- anything that is not such a file, comes from a newer format,
or whose arrays do not match the shapes its metadata promises.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from engine.atomic import atomic_path
from engine.names.corpus import END, Vocabulary
from engine.names.model import PARAM_NAMES, CharModel

__all__ = ["FORMAT", "FORMAT_VERSION", "ModelFileError", "SavedModel", "save_model", "load_model"]

FORMAT = "sequence-studio/names-model"
FORMAT_VERSION = 1


class ModelFileError(ValueError):
    """A model file that cannot be used, with a sentence saying why."""


@dataclass
class SavedModel:
    """A model with everything needed to use it again."""

    model: CharModel
    vocab: Vocabulary
    lowercase: bool = True
    known_names: frozenset[str] = frozenset()
    metadata: dict = field(default_factory=dict)

    @property
    def hyperparameters(self) -> dict:
        return self.metadata.get("hyperparameters", {})


def _bytes_array(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def save_model(
    path: str | os.PathLike,
    model: CharModel,
    vocab: Vocabulary,
    *,
    lowercase: bool = True,
    known_names=(),
    config=None,
    extra: dict | None = None,
) -> Path:
    """Write ``model`` to ``path`` atomically; returns the path.

    ``config`` (a TrainConfig) is recorded as hyperparameters; ``extra`` adds
    fields such as losses and timing to the metadata.
    """
    from engine.version import app_version

    if vocab.size != model.vocab_size:
        raise ValueError("the vocabulary does not match the model")
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": app_version(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "cell": model.cell,
        "hidden": model.hidden,
        "dtype": model.dtype.name,
        "vocabulary": list(vocab.chars),
        "lowercase": bool(lowercase),
        "hyperparameters": asdict(config) if config is not None else {},
        **(extra or {}),
    }
    text = json.dumps(_clean(metadata), ensure_ascii=False, allow_nan=False)
    arrays = {name: np.ascontiguousarray(model.params[name]) for name in PARAM_NAMES}
    arrays["metadata"] = _bytes_array(text)
    arrays["known_names"] = _bytes_array("\n".join(sorted(set(known_names))))
    path = Path(path)
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(tmp, **arrays)
    return path


def _clean(value):
    """Metadata as strict JSON: numpy scalars as numbers, NaN and infinities as null."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _read_text(archive, key: str, label: str) -> str:
    value = archive[key]
    if value.dtype != np.uint8 or value.ndim != 1:
        raise ModelFileError(f"{label}: its {key} entry is not text.")
    try:
        return value.tobytes().decode("utf-8")
    except UnicodeDecodeError:
        raise ModelFileError(f"{label}: its {key} entry is not valid UTF-8.") from None


def _check_metadata(meta, label: str) -> tuple[str, int, Vocabulary, np.dtype]:
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{label} is not a names model of this studio.")
    version = meta.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ModelFileError(f"{label} has no valid format version.")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{label} was saved in format {version} by a newer version of the studio; "
            f"this version reads format {FORMAT_VERSION}. Please update."
        )
    cell, hidden, chars = meta.get("cell"), meta.get("hidden"), meta.get("vocabulary")
    if cell not in ("rnn", "lstm"):
        raise ModelFileError(f"{label} names an unknown cell {cell!r}.")
    if not isinstance(hidden, int) or not 1 <= hidden <= 4096:
        raise ModelFileError(f"{label} has an invalid hidden size {hidden!r}.")
    if (
        not isinstance(chars, list)
        or len(chars) < 2
        or chars[0] != END
        or not all(isinstance(c, str) and len(c) == 1 for c in chars)
        or len(set(chars)) != len(chars)
    ):
        raise ModelFileError(f"{label} has an invalid vocabulary.")
    dtype = meta.get("dtype", "float32")
    if dtype not in ("float32", "float64"):
        raise ModelFileError(f"{label} has an unsupported number type {dtype!r}.")
    return cell, hidden, Vocabulary(tuple(chars)), np.dtype(dtype)


def load_model(path: str | os.PathLike) -> SavedModel:
    """Read a model written by :func:`save_model`; raises :class:`ModelFileError` with a reason."""
    path = Path(path)
    label = f"The file {path.name}"
    if not path.exists():
        raise ModelFileError(f"The model file {path} does not exist.")
    if path.is_dir():
        raise ModelFileError(f"{path} is a folder, not a model file.")
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise ModelFileError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if magic != b"PK\x03\x04":  # every .npz is a zip archive
        raise ModelFileError(f"{label} cannot be loaded as a names model: it is not a valid .npz archive.")
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [k for k in (*PARAM_NAMES, "metadata") if k not in archive.files]
            if missing:
                raise ModelFileError(f"{label} is not a names model (it lacks {', '.join(missing)}).")
            try:
                meta = json.loads(_read_text(archive, "metadata", label))
            except json.JSONDecodeError:
                raise ModelFileError(f"{label} has unreadable metadata.") from None
            cell, hidden, vocab, dtype = _check_metadata(meta, label)
            model = CharModel(cell, vocab.size, hidden, dtype)
            for name, shape in model.shapes().items():
                value = archive[name]
                if value.shape != shape or value.dtype.kind != "f":
                    raise ModelFileError(
                        f"{label} is damaged or inconsistent: {name} is {value.dtype}{value.shape}, "
                        f"but its metadata needs a float array of shape {shape}."
                    )
                if not np.all(np.isfinite(value)):
                    raise ModelFileError(f"{label} is damaged: {name} holds values that are not finite.")
                model.params[name][...] = value
            known = frozenset()
            if "known_names" in archive.files:
                text = _read_text(archive, "known_names", label)
                known = frozenset(n for n in text.split("\n") if n)
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as exc:
        # np.load raises these for text, truncated archives, and arrays that need pickle.
        reason = "it needs pickle, which is never loaded" if "pickle" in str(exc) else "it is not a valid .npz archive"
        raise ModelFileError(f"{label} cannot be loaded as a names model: {reason}.") from None
    return SavedModel(model, vocab, bool(meta.get("lowercase", True)), known, meta)
