"""The exercises, each defined by its probes, checks, expected values and known mistakes."""

from . import (
    attention,
    bptt,
    clipping,
    gru_step,
    linear_scan,
    lstm_step,
    name_classifier,
    rnn_step,
    sampling,
    torch_lstm_cell,
)

EXERCISES = {ex.name: ex for ex in (rnn_step.EXERCISE, bptt.EXERCISE, clipping.EXERCISE,
                                    lstm_step.EXERCISE, gru_step.EXERCISE,
                                    torch_lstm_cell.EXERCISE, sampling.EXERCISE,
                                    attention.EXERCISE, linear_scan.EXERCISE,
                                    name_classifier.EXERCISE)}
