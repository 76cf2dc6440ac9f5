"""The edge: settings, the aiohttp app, the Teams adapter and handler, transports, worker and CLI."""

__version__ = "0.1.0"
