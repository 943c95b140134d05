"""What a widget puts on the screen, as text: for widgets whose content is a Rich renderable
(a table), which ``str(widget.render())`` does not spell out."""

from textual.geometry import Region


def shown(widget) -> str:
    """The widget's rows as drawn at its size now, each without trailing blanks."""
    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "\n".join(strip.text.rstrip() for strip in strips)


def help_text(screen) -> str:
    """Everything the help screen shows (scrolled or not), in order."""
    return "\n".join(shown(static) for static in screen.query("#help-body Static"))
