from kshim.layers.core.dense import Dense
