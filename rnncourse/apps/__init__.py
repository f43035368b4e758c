"""The applications of the book, one module each, holding its model, batching, fitting and
evaluation (all PyTorch, except the NumPy char-RNN):

- :mod:`.min_char_rnn`: a batched min-char-rnn in NumPy (chapter 3);
- :mod:`.longrange`: the adding problem and gradient flow in trained models (chapters 5, 7);
- :mod:`.charlm`: a character-level language model, its sampling and decoding (chapter 9),
  trained data-parallel over several processes with :mod:`.distributed`;
- :mod:`.classify`: sequence classifiers and their baselines (chapter 10);
- :mod:`.forecast`: recurrent forecasters and their baselines (chapter 11);
- :mod:`.translate`: a GRU encoder-decoder with attention (chapter 12);
- :mod:`.blocks`: the ``torch.nn`` pieces several of them share.

Nothing is imported here, so ``import rnncourse.apps.min_char_rnn`` needs no torch.
"""
