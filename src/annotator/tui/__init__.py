"""The terminal app: widgets, screens, bindings.  The only layer that imports Textual."""
