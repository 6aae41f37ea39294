"""A character-level language model of names ("Dinosaurus Island", part 2 of the course).

- :mod:`engine.names.corpus`   -- reading a list of names, its vocabulary and its split
- :mod:`engine.names.model`    -- the model: symbol lookup, RNN/LSTM core, softmax output
- :mod:`engine.names.ensemble` -- several models whose next-character probabilities are averaged
- :mod:`engine.names.presets`  -- the settings of a run: the Course, Fast and Best presets
- :mod:`engine.names.data`     -- the names of a run as batches; scoring names with a model
- :mod:`engine.names.train`    -- training as a job that yields progress and honours FINISH
- :mod:`engine.names.sample`   -- inventing names, with temperature, a prefix and a minimum length
- :mod:`engine.names.defaults` -- the sampling defaults the command line and the tab share
- :mod:`engine.names.io`       -- saving and loading trained models, where to save them
"""
