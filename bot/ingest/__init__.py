"""Ingest: fetch sources over guarded HTTP, read feeds and pages, extract the article text."""
