"""Pipelines over the store for NLP tools: export, import, stats.  No Textual, no Rich."""
