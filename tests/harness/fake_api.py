"""The product's sandbox/fake_api.py under its old name: the same module object, not a copy."""

import sys

from sandbox import fake_api

sys.modules[__name__] = fake_api
