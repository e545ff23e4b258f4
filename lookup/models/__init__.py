"""The portal's models, one module per feature so that each can grow on its own."""

from .developers import DeveloperKey
from .reports import CreditReport

__all__ = ["CreditReport", "DeveloperKey"]
