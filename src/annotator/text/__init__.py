"""The text engine: pure functions over the stored text (loading, bidi, shaping, layout,
words, caret moves).  No Textual, no Rich, no SQLite."""
