"""openwashing: finds "open source" claims that a model repository does not back up."""

__version__ = "0.1.0"
