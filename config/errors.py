"""The config package's error root."""


class ConfigError(Exception):
    """A setting or the deployment is wrong; the message says what to change."""
