"""The shared settings, one module per concern, gathered in order by ``config.settings.base``."""
