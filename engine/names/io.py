"""Saving and loading trained names models: one ``.npz`` file, no pickle, checked on load.

The archive holds plain numeric arrays only:

    E, b, Wh, Wy, by   the weights of a single model (see :mod:`engine.names.model`), or
    m0_E ... mK_by     the weights of each member of an ensemble (format version 2)
    metadata           UTF-8 bytes of a JSON object: format and version, cell,
                       hidden size (``members``: one entry per member), vocabulary,
                       lower-casing, hyperparameters, losses, training time, corpus
    known_names        UTF-8 bytes of the training names, one per line, so that
                       sampled names can be marked new or known later

A single model is written as format version 1, which every version of the
studio reads; an ensemble needs version 2. Writing goes to a temporary file
beside the target, renamed into place at the end, so a crash never leaves
half a model.

Loading never trusts the file: before any array is read, the sizes its zip
directory and its .npy headers declare are checked against what the metadata
promises, so a header claiming a terabyte or a zip bomb is refused at the cost
of reading a few hundred bytes. Anything that is not such a file, comes from a
newer format, or does not match its own metadata is refused with a sentence.
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
from engine.files import FileCheckError, check_input_file, check_output_path
from engine.names.corpus import END, Vocabulary
from engine.names.ensemble import Ensemble, members_of
from engine.names.model import PARAM_NAMES, CharModel

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "SINGLE_FORMAT_VERSION",
    "ModelFileError",
    "SavedModel",
    "save_model",
    "load_model",
    "model_path",
    "model_metadata",
    "free_path_beside",
    "why_not_replace",
]

FORMAT = "sequence-studio/names-model"
FORMAT_VERSION = 2  # the newest this version reads and writes (ensembles)
SINGLE_FORMAT_VERSION = 1  # what a single model is written as
SUFFIX = ".npz"
MAX_FILE_BYTES = 2 * 2**30  # no names model of any allowed size comes near
MAX_METADATA_BYTES = 2**20
MAX_KNOWN_NAMES_BYTES = 64 * 2**20
MAX_MEMBERS = 32
MAX_HIDDEN = 2048
MAX_VOCABULARY = 4096
_HEADER_SLACK = 4096  # an .npy header is at most a few hundred bytes


class ModelFileError(ValueError):
    """A model file that cannot be used, with a sentence saying why."""


@dataclass
class SavedModel:
    """A model (a CharModel or an Ensemble) with everything needed to use it again."""

    model: CharModel | Ensemble
    vocab: Vocabulary
    lowercase: bool = True
    known_names: frozenset[str] = frozenset()
    metadata: dict = field(default_factory=dict)

    @property
    def hyperparameters(self) -> dict:
        return self.metadata.get("hyperparameters", {})


# -- where to save ------------------------------------------------------------------------
def model_path(text: str | os.PathLike) -> Path:
    """The file a model named ``text`` is saved to: ``text`` itself, with ``.npz`` added when missing.

    The path is checked as given *and* with its suffix (before any training), so
    a folder, a device such as /dev/full or an unwritable place is refused
    instead of being turned into ``/dev/full.npz``. Raises
    :class:`engine.files.FileCheckError` with a sentence.
    """
    given = check_output_path(text, "model")
    if given.suffix.lower() == SUFFIX:
        return given
    return check_output_path(given.with_name(given.name + SUFFIX), "model")


def free_path_beside(path: str | os.PathLike) -> Path:
    """``name-1.npz``, ``name-2.npz``, ... beside ``path``: the first that does not exist yet."""
    path = Path(path)
    for k in range(1, 10_000):
        candidate = path.with_name(f"{path.stem}-{k}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise FileCheckError(f"Cannot find a free name beside {path}.")


def model_metadata(result, corpus_source: str, corpus_names: int, validation_names: int) -> dict:
    """What a saved model records about its training (a TrainResult): losses, steps, the kept step,
    time, why it ended, the corpus -- the same keys from the command line and the window."""
    meta = {
        "train_loss": result.train_loss,
        "val_loss": result.val_loss,
        "steps": result.steps,
        "best_step": result.best_step,  # the step whose weights were kept
        "seconds": round(result.seconds, 3),
        "reason": result.reason,
        "corpus": {"source": str(corpus_source), "names": int(corpus_names), "validation": int(validation_names)},
    }
    if getattr(result, "members", None):
        meta["ensemble"] = [
            {"hidden": m.config.hidden, "seed": m.config.seed, "steps": m.steps, "best_step": m.best_step,
             "val_loss": m.val_loss, "seconds": round(m.seconds, 3), "reason": m.reason}
            for m in result.members
        ]
    return meta


# -- saving ----------------------------------------------------------------------------------
def _bytes_array(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _member_key(k: int, name: str) -> str:
    return f"m{k}_{name}"


def save_model(
    path: str | os.PathLike,
    model: CharModel | Ensemble,
    vocab: Vocabulary,
    *,
    lowercase: bool = True,
    known_names=(),
    config=None,
    extra: dict | None = None,
) -> Path:
    """Write ``model`` (one model or an ensemble) to ``path`` atomically; returns the path.

    ``config`` (a TrainConfig) is recorded as hyperparameters; ``extra`` adds
    fields such as losses and timing to the metadata (see :func:`model_metadata`).
    """
    from engine.version import app_version

    members = members_of(model)
    if any(m.vocab_size != vocab.size for m in members):
        raise ValueError("the vocabulary does not match the model")
    ensemble = isinstance(model, Ensemble)
    first = members[0]
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION if ensemble else SINGLE_FORMAT_VERSION,
        "app_version": app_version(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "cell": first.cell,
        "hidden": first.hidden,
        "dtype": first.dtype.name,
        "vocabulary": list(vocab.chars),
        "lowercase": bool(lowercase),
        "hyperparameters": asdict(config) if config is not None else {},
        **(extra or {}),
    }
    if ensemble:
        metadata["members"] = [{"cell": m.cell, "hidden": m.hidden, "dtype": m.dtype.name} for m in members]
        arrays = {_member_key(k, n): np.ascontiguousarray(m.params[n]) for k, m in enumerate(members)
                  for n in PARAM_NAMES}
    else:
        metadata.pop("members", None)
        arrays = {name: np.ascontiguousarray(first.params[name]) for name in PARAM_NAMES}
    text = json.dumps(_clean(metadata), ensure_ascii=False, allow_nan=False)
    arrays["metadata"] = _bytes_array(text)
    arrays["known_names"] = _bytes_array("\n".join(sorted(set(known_names))))
    path = Path(path)
    with atomic_path(path, suffix=SUFFIX) as tmp:
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


# -- loading ---------------------------------------------------------------------------------
class _Archive:
    """The .npy entries of a zip file, read one at a time after checking what they declare."""

    def __init__(self, zf: zipfile.ZipFile, label: str):
        self.zf, self.label = zf, label
        self.entries = {info.filename[:-4]: info for info in zf.infolist() if info.filename.endswith(".npy")}

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def read(self, key: str, max_bytes: int, shape: tuple[int, ...] | None = None) -> np.ndarray:
        """The array ``key``, refused unless it declares at most ``max_bytes`` (and ``shape``, if given)."""
        info = self.entries[key]
        if info.file_size > max_bytes + _HEADER_SLACK:
            raise ModelFileError(
                f"{self.label} is damaged or hostile: its {key} entry declares {info.file_size:,} bytes, "
                f"more than its metadata allows ({max_bytes:,})."
            )
        with self.zf.open(info) as fh:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                declared, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
            elif version == (2, 0):
                declared, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
            else:
                raise ValueError("unsupported .npy version")
            if dtype.hasobject:
                raise ModelFileError(f"{self.label} cannot be loaded as a names model: it needs pickle, "
                                     "which is never loaded.")
            if shape is not None and (tuple(declared) != shape or dtype.kind != "f"):
                raise ModelFileError(
                    f"{self.label} is damaged or inconsistent: {key} is {dtype}{tuple(declared)}, "
                    f"but its metadata needs a float array of shape {shape}."
                )
            nbytes = math.prod(declared) * dtype.itemsize
            if nbytes > max_bytes:
                raise ModelFileError(
                    f"{self.label} is damaged or hostile: its {key} entry declares {nbytes:,} bytes, "
                    f"more than its metadata allows ({max_bytes:,})."
                )
            data = fh.read(nbytes)
        if len(data) != nbytes:
            raise ModelFileError(f"{self.label} is damaged: its {key} entry is cut short.")
        return np.frombuffer(data, dtype=dtype).reshape(declared, order="F" if fortran else "C")

    def text(self, key: str, max_bytes: int) -> str:
        value = self.read(key, max_bytes)
        if value.dtype != np.uint8 or value.ndim != 1:
            raise ModelFileError(f"{self.label}: its {key} entry is not text.")
        try:
            return value.tobytes().decode("utf-8")
        except UnicodeDecodeError:
            raise ModelFileError(f"{self.label}: its {key} entry is not valid UTF-8.") from None


def _check_header(meta, label: str) -> int:
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{label} is not a names model of this studio.")
    version = meta.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFileError(f"{label} has no valid format version.")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{label} was saved in format {version} by a newer version of the studio; "
            f"this version reads format {FORMAT_VERSION}. Please update."
        )
    return version


def _check_member(entry, label: str) -> tuple[str, int, np.dtype]:
    cell, hidden = entry.get("cell"), entry.get("hidden")
    if cell not in ("rnn", "lstm"):
        raise ModelFileError(f"{label} names an unknown cell {cell!r}.")
    if not isinstance(hidden, int) or isinstance(hidden, bool) or not 1 <= hidden <= MAX_HIDDEN:
        raise ModelFileError(f"{label} has an invalid hidden size {hidden!r}.")
    dtype = entry.get("dtype", "float32")
    if dtype not in ("float32", "float64"):
        raise ModelFileError(f"{label} has an unsupported number type {dtype!r}.")
    return cell, hidden, np.dtype(dtype)


def _check_vocabulary(chars, label: str) -> Vocabulary:
    if (
        not isinstance(chars, list)
        or not 2 <= len(chars) <= MAX_VOCABULARY
        or chars[0] != END
        or not all(isinstance(c, str) and len(c) == 1 for c in chars)
        or len(set(chars)) != len(chars)
    ):
        raise ModelFileError(f"{label} has an invalid vocabulary.")
    return Vocabulary(tuple(chars))


def _member_specs(meta, version: int, label: str) -> list[tuple[str, int, np.dtype]]:
    if version >= 2 and "members" in meta:
        entries = meta["members"]
        if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_MEMBERS:
            raise ModelFileError(f"{label} lists an invalid number of ensemble members.")
        if not all(isinstance(e, dict) for e in entries):
            raise ModelFileError(f"{label} has invalid ensemble members.")
        return [_check_member(e, label) for e in entries]
    return [_check_member(meta, label)]


def _read_member(archive: _Archive, spec, vocab: Vocabulary, key, label: str) -> CharModel:
    model = CharModel(spec[0], vocab.size, spec[1], spec[2])
    missing = [key(n) for n in PARAM_NAMES if key(n) not in archive]
    if missing:
        raise ModelFileError(f"{label} is not a names model (it lacks {', '.join(missing)}).")
    for name, shape in model.shapes().items():
        value = archive.read(key(name), math.prod(shape) * 8, shape)
        if not np.all(np.isfinite(value)):
            raise ModelFileError(f"{label} is damaged: {key(name)} holds values that are not finite.")
        model.params[name][...] = value
    return model


def load_model(path: str | os.PathLike) -> SavedModel:
    """Read a model written by :func:`save_model`; raises :class:`ModelFileError` with a reason."""
    path = Path(path)
    label = f"The file {path.name}"
    if not path.exists() and not path.is_symlink():
        raise ModelFileError(f"The model file {path} does not exist.")
    try:
        check_input_file(path, "model file", MAX_FILE_BYTES)
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except FileCheckError as exc:
        raise ModelFileError(str(exc)) from None
    except OSError as exc:
        raise ModelFileError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if magic != b"PK\x03\x04":  # every .npz is a zip archive
        raise ModelFileError(f"{label} cannot be loaded as a names model: it is not a valid .npz archive.")
    try:
        with zipfile.ZipFile(path) as zf:
            archive = _Archive(zf, label)
            if "metadata" not in archive:
                names = [n for n in (*PARAM_NAMES, "metadata") if n not in archive]
                raise ModelFileError(f"{label} is not a names model (it lacks {', '.join(names)}).")
            try:
                meta = json.loads(archive.text("metadata", MAX_METADATA_BYTES))
            except json.JSONDecodeError:
                raise ModelFileError(f"{label} has unreadable metadata.") from None
            version = _check_header(meta, label)
            specs = _member_specs(meta, version, label)
            vocab = _check_vocabulary(meta.get("vocabulary"), label)
            if len(specs) == 1 and "members" not in meta:
                model = _read_member(archive, specs[0], vocab, lambda n: n, label)
            else:
                model = Ensemble([
                    _read_member(archive, spec, vocab, lambda n, k=k: _member_key(k, n), label)
                    for k, spec in enumerate(specs)
                ])
            known = frozenset()
            if "known_names" in archive:
                known = frozenset(n for n in archive.text("known_names", MAX_KNOWN_NAMES_BYTES).split("\n") if n)
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, KeyError) as exc:
        # truncated archives, damaged headers, bad compression
        reason = "it needs pickle, which is never loaded" if "pickle" in str(exc) else "it is not a valid .npz archive"
        raise ModelFileError(f"{label} cannot be loaded as a names model: {reason}.") from None
    return SavedModel(model, vocab, bool(meta.get("lowercase", True)), known, meta)


def why_not_replace(path: str | os.PathLike, val_loss: float | None, partial: bool, corpus_source: str) -> str | None:
    """Why a new model should not silently replace the one at ``path``, or None when it may.

    A run stopped before its end (``partial``) never replaces a model; nor does
    one that scores worse on validation names than the model already there
    recorded for the same corpus; nor does any model replace a file that is
    not one. The caller then saves beside it (see
    :func:`free_path_beside`) unless told to force.
    """
    path = Path(path)
    if not path.exists():
        return None
    if partial:
        return f"{path.name} already holds a model and this run was stopped before its end"
    try:
        old = load_model(path).metadata
    except ModelFileError:
        return f"{path.name} exists and is not a names model this version can read"
    old_loss = old.get("val_loss")
    same_corpus = (old.get("corpus") or {}).get("source") == str(corpus_source)
    if same_corpus and isinstance(old_loss, int | float) and val_loss is not None and val_loss > old_loss:
        return (f"{path.name} already holds a better model of the same names "
                f"(validation {old_loss:.4f} against {val_loss:.4f} nats per character)")
    return None
