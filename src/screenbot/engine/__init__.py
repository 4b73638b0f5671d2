"""The engine: pure functions from a screening's state and an event to the next state and replies."""
