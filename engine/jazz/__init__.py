"""The jazz engine: learn a solo from a MIDI file with an LSTM and improvise over chords.

Part 3 of the course ("Improvise a Jazz Solo with an LSTM Network"), on the
user's own MIDI. Importing this package is cheap: mido and numpy only;
music21 and TensorFlow are imported inside the functions that need them.

The API, in the order a front end uses it (every name is importable from
``engine.jazz``; bad input raises a :class:`JazzError` subclass whose message
is a sentence to show the user)::

    song = read_song(path)                  # Song: .parts (index, name, program, channel, note_count,
                                            #   pitch_range, polyphony, max_voices, is_drums, notes),
                                            #   .tempos, .time_signatures, .key, .tempo, .length, .warnings
    default_piece()                         # Path of the bundled training piece
    pick_melody(song) -> int                # automatic melody part (override: build_corpus(song, melody=i))
    corpus = build_corpus(song, melody=None)
                                            # Corpus: .measures (number, start, length, chord, notes, tokens),
                                            #   .tokens, .vocabulary, .vocab_size, .token_count, .melody_notes,
                                            #   .time_signature, .pitch_range, .windows(t_x, stride) -> X, Y
    midi_files([paths or folders]) -> list[Path]   # the files to learn from (build_corpus takes several Songs)
    job = train_job(corpus, TrainSettings(epochs=100, n_a=64, learning_rate=0.01, dropout=0.4,
                                          validation=0.15, patience=8, positions=True, seed=0, ...))
                                            # generator job (engine.jobs): Progress per epoch with metrics
                                            #   {"loss", "accuracy", "val_loss", "val_accuracy"} (held-out
                                            #   phrases); stops when val_loss has not improved for `patience`
                                            #   epochs, FINISH returns the best model so far, divergence stops;
                                            #   returns a TrainedModel (weights of the best epoch) or None
    training = Training(corpus, settings); job = training.job()
                                            # the same job; afterwards training.model is the best model so far
                                            #   (also after close()), training.outcome one line saying how it ended,
                                            #   training.split the held-out phrases
    model: TrainedModel                     # .weights (numpy), .vocabulary, .tokens, .settings, .source,
                                            #   .history, .best_epoch, .best_val_loss, .stopped, .partial
    improvs = generate(model, measures=32, temperature=0.7, seed=None, variations=1, primer="window" | "none",
                       chords=None | "| Dm7 G7 | Cmaj7 |" | [Chord or (Chord, ...)] per measure,
                       swing=None | "straight" | "light" | "medium" | "hard" | ratio, max_copy=DEFAULT_MAX_COPY)
                                            # list[Improvisation] (numpy only, no TensorFlow): .melody, .changes,
                                            #   .chords, .chord_at(t), .chord_notes(), .tokens, .time_signature,
                                            #   .tempo, .key, .swing, .seed (its own), .originality, .length
    export_midi(improv, path, ExportOptions(tempo=None, melody_program=26, chord_program=0))
    check_midi(path) -> MidiReport          # what mido sees: tracks, channels, programs, problems
    save_model(model, folder)               # weights.npz + model.json, saved whole; load_model(folder) checks
                                            #   every field (numpy only; first-format folders load via Keras)
    model_destination(model, folder, force=False) -> (folder to use, one line)
                                            # never over a better model with a partial, diverged or worse one
    parse_chord_symbols("Dm7 G7 | Cmaj7")   # list[Chord]; GM_PROGRAMS: General MIDI names

Times are in quarter notes from the start; pitches are MIDI numbers.
"""

from engine.jazz.corpus import Corpus, Measure, SourceInfo, build_corpus
from engine.jazz.errors import (
    ChordSymbolError,
    CorpusError,
    JazzError,
    MidiReadError,
    ModelFileError,
    NoMelodyError,
)
from engine.jazz.export import (
    DEFAULT_CHORD_PROGRAM,
    DEFAULT_MELODY_PROGRAM,
    ExportOptions,
    MidiReport,
    check_midi,
    export_midi,
)
from engine.jazz.generate import DEFAULT_MAX_COPY, Improvisation, generate
from engine.jazz.gm import GM_PROGRAMS, program_name
from engine.jazz.harmony import Chord, parse_chord_symbols
from engine.jazz.melody import pick_melody
from engine.jazz.midi_read import Note, Part, Song, TempoChange, TimeSignature, default_piece, read_song
from engine.jazz.model import TrainedModel, Training, TrainSettings, train_job
from engine.jazz.several import midi_files
from engine.jazz.storage import load_model, model_destination, save_model

__all__ = [
    "ChordSymbolError",
    "Chord",
    "Corpus",
    "CorpusError",
    "DEFAULT_CHORD_PROGRAM",
    "DEFAULT_MAX_COPY",
    "DEFAULT_MELODY_PROGRAM",
    "ExportOptions",
    "GM_PROGRAMS",
    "Improvisation",
    "JazzError",
    "Measure",
    "MidiReadError",
    "MidiReport",
    "ModelFileError",
    "NoMelodyError",
    "Note",
    "Part",
    "Song",
    "SourceInfo",
    "TempoChange",
    "TimeSignature",
    "TrainSettings",
    "TrainedModel",
    "Training",
    "build_corpus",
    "check_midi",
    "default_piece",
    "export_midi",
    "generate",
    "load_model",
    "midi_files",
    "model_destination",
    "parse_chord_symbols",
    "pick_melody",
    "program_name",
    "read_song",
    "save_model",
    "train_job",
]
