"""The engine: pure functions from a screening's state and an event to what happens next."""
