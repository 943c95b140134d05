"""annotator: a terminal reader and span annotator for right-to-left text."""
