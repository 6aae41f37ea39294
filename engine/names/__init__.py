"""A character-level language model of names ("Dinosaurus Island", part 2 of the course).

- :mod:`engine.names.corpus`  -- reading a list of names, its vocabulary and its split
- :mod:`engine.names.model`   -- the model: symbol lookup, RNN/LSTM core, softmax output
- :mod:`engine.names.train`   -- training as a job, with the Course and Fast presets
- :mod:`engine.names.sample`  -- inventing names, with temperature and a prefix
- :mod:`engine.names.io`      -- saving and loading trained models
"""
