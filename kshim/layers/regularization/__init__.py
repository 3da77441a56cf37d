from kshim.layers.regularization.dropout import Dropout
