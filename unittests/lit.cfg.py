# -*- Python -*-
# Runs every GoogleTest binary in <build>/unittests as lit tests.
import os

import lit.formats

config.name = "rotq-unit"
config.suffixes = []
config.test_exec_root = os.path.join(config.rotq_obj_root, "unittests")
config.test_source_root = config.test_exec_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
