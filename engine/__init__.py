"""Sequence Studio's engine: the math of sequence models in numpy and TensorFlow.

Nothing in this package imports Qt. Long computations are generator jobs
(see :mod:`engine.jobs`) that any front end -- the window or the command line --
can drive, watch and stop.
"""
