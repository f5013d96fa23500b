"""The shared settings, one module per concern, gathered by ``config.settings.base``."""
