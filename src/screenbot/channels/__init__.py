"""Channels translate platform events to engine events and engine messages to platform calls."""
