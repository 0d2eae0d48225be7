"""Newsbrief: reads the news for a Discord community."""

__version__ = "0.1.0"
USER_AGENT = f"Newsbrief/{__version__} (+https://github.com/newsbrief/newsbrief; news digest bot)"
