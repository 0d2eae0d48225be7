"""The brief: sentences, summary, headline, quotes and what changed, from an article's text."""
