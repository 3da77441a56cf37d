"""``kshim.config``: global switches, as ``keras.config``."""

