"""The one ASGI app: platform webhooks and health."""
