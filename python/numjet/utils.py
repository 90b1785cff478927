"""numexpr's ``utils`` module, for code that imports from it."""

from . import (
    _init_num_threads,
    detect_number_of_cores,
    get_num_threads,
    get_vml_num_threads,
    get_vml_version,
    set_num_threads,
    set_vml_accuracy_mode,
    set_vml_num_threads,
)

__all__ = [
    "_init_num_threads",
    "detect_number_of_cores",
    "get_num_threads",
    "get_vml_num_threads",
    "get_vml_version",
    "set_num_threads",
    "set_vml_accuracy_mode",
    "set_vml_num_threads",
]
