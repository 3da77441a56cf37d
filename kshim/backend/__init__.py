"""Backend: settings, modes, names and variables."""

from kshim.backend.config import (
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
    standardize_dtype,
)
from kshim.backend.modes import (
    executing_eagerly,
    function,
    functions_run_eagerly,
    run_functions_eagerly,
)
from kshim.backend.session import clear_session, track_variable, tracked_variables
from kshim.backend.variables import Variable
