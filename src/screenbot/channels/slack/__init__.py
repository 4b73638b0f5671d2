"""Slack: digests and decisions for recruiters, DMs for candidates (slack-bolt, slack-sdk)."""
