"""Test utilities shared by kshim's own tests and by users testing their layers."""

from kshim.testing.keras_checks import keras_parity, same_input_error
from kshim.testing.layer_test import assert_keras_parity, run_layer_test
