"""dangjian: grid-based grassroots Party-building platform."""

__version__ = "0.1.0"
