"""The product's sandbox/driver.py under its old name: the same module object, not a copy."""

import sys

from sandbox import driver

sys.modules[__name__] = driver
