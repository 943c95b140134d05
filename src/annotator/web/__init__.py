"""The app in a browser: textual-serve with a page that needs nothing outside the server."""
