"""Recurrent layers: cells, the generic ``RNN`` and the ``SimpleRNN``/``LSTM``/``GRU``
layers, and the ``Bidirectional`` and ``TimeDistributed`` wrappers."""

from kshim.layers.rnn.bidirectional import Bidirectional
from kshim.layers.rnn.gru import GRU
from kshim.layers.rnn.gru_cell import GRUCell
from kshim.layers.rnn.lstm import LSTM
from kshim.layers.rnn.lstm_cell import LSTMCell
from kshim.layers.rnn.rnn import RNN
from kshim.layers.rnn.simple_rnn import SimpleRNN
from kshim.layers.rnn.simple_rnn_cell import SimpleRNNCell
from kshim.layers.rnn.stacked_rnn_cells import StackedRNNCells
from kshim.layers.rnn.time_distributed import TimeDistributed

__all__ = [
    "Bidirectional",
    "GRU",
    "GRUCell",
    "LSTM",
    "LSTMCell",
    "RNN",
    "SimpleRNN",
    "SimpleRNNCell",
    "StackedRNNCells",
    "TimeDistributed",
]
