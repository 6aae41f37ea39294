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
    job = train_job(corpus, TrainSettings(epochs=100, n_a=64, learning_rate=0.01, seed=0, ...))
                                            # generator job (engine.jobs): Progress per epoch with
                                            #   metrics {"loss", "accuracy"}; returns a TrainedModel
    training = Training(corpus, settings); job = training.job()
                                            # the same job; after job.close(), training.model is the
                                            #   model of the finished epochs (None before the first)
    improvs = generate(model, measures=32, temperature=0.7, seed=None, variations=1,
                       primer="window" | "none", chords=None | "Dm7 G7 Cmaj7" | [Chord])
                                            # list[Improvisation]: .melody (Notes), .chords, .chord_notes(),
                                            #   .tokens, .time_signature, .tempo, .length, .seed
    export_midi(improv, path, ExportOptions(tempo=None, melody_program=26, chord_program=0))
    check_midi(path) -> MidiReport          # what mido sees: tracks, channels, programs, problems
    save_model(model, folder); load_model(folder) -> TrainedModel
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
from engine.jazz.generate import Improvisation, generate
from engine.jazz.gm import GM_PROGRAMS, program_name
from engine.jazz.harmony import Chord, parse_chord_symbols
from engine.jazz.melody import pick_melody
from engine.jazz.midi_read import Note, Part, Song, TempoChange, TimeSignature, default_piece, read_song
from engine.jazz.model import TrainedModel, Training, TrainSettings, train_job
from engine.jazz.storage import load_model, save_model

__all__ = [
    "ChordSymbolError",
    "Chord",
    "Corpus",
    "CorpusError",
    "DEFAULT_CHORD_PROGRAM",
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
    "parse_chord_symbols",
    "pick_melody",
    "program_name",
    "read_song",
    "save_model",
    "train_job",
]
