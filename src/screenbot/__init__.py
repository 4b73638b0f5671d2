"""screenbot: first-round screening of backend candidates in the chat apps they already use."""

__version__ = "0.1.0"
