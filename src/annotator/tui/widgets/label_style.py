"""How a label's colour is drawn: chips in the legend and span list, spans in the text.

With ``NO_COLOR`` set Textual turns every colour to grey, so label colours no longer tell
spans apart or from the text; there, spans and chips are drawn reversed (a suggestion
underlined) and the label's name, always written beside it, does the telling.
"""

from __future__ import annotations

from rich.style import Style

NO_LABEL_COLOUR = "grey50"  # a span whose label left the label set


def chip_style(colour: str, no_color: bool) -> Style:
    """A label name's chip: black on the label's colour, or reversed without colour."""
    if no_color:
        return Style(reverse=True, bold=True)
    return Style(color="black", bgcolor=colour)


def span_style(colour: str, suggested: bool, no_color: bool) -> Style:
    """A span's cells: filled with its colour; a model's suggestion coloured and underlined."""
    if suggested:
        return Style(underline=True, italic=True) + (Style() if no_color else Style(color=colour))
    return Style(reverse=True) if no_color else Style(color="black", bgcolor=colour)


def candidate_style(colour: str, agreed: bool, no_color: bool) -> Style:
    """A review candidate: an agreed one looks like a suggestion (coloured, underlined); a
    disputed one is also on a dark ground and bold, so disagreements stand out in a page."""
    agreed_look = span_style(colour, True, no_color)
    if agreed:
        return agreed_look
    return agreed_look + (DISPUTED_NO_COLOR if no_color else DISPUTED)


#: Added to a suggestion's look for a disputed review candidate (bold alone without colour).
DISPUTED = Style(bold=True, bgcolor="grey23")
DISPUTED_NO_COLOR = Style(bold=True)


def others_style(colour: str, no_color: bool) -> Style:
    """Another annotator's span, shown read-only: no fill, bold in its label's colour with a
    line over it (terminals without overline show the bold colour alone) -- never italic and
    underlined like a suggestion, never filled like one's own span."""
    return Style(bold=True, overline=True) + (Style() if no_color else Style(color=colour))


#: Added on a cell that is also one's own span: the line, not the colour, which would make
#: the text unreadable on the fill.
OTHERS_OVER_OWN = Style(bold=True, overline=True)
