"""`import numexpr` gives numjet: the shim that runs numexpr's own test
suite against numjet (see ../../run_numexpr_suite.py). Put this folder first
on PYTHONPATH; subprocesses the suite starts see it too."""
import sys

import numjet
import numjet.expressions
import numjet.utils

sys.modules["numexpr"] = numjet
sys.modules["numexpr.expressions"] = numjet.expressions
sys.modules["numexpr.utils"] = numjet.utils
