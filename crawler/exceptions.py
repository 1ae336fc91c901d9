"""Typed errors, so a user is told exactly which argument or setting is wrong."""


class NianbaoError(Exception):
    """Base of the project's own errors."""


class SpiderArgumentError(NianbaoError, ValueError):
    """A spider argument (``-a name=value``) is malformed."""


class SettingError(NianbaoError, ValueError):
    """A setting (``-s NAME=value`` or crawler/settings.py) has a value the project cannot use."""


class RefusedRequestError(NianbaoError):
    """A request the guard (crawler/guard.py) refused before any connection: the reason is the message."""
