"""What every answer stands on: the settings, the interface's words and templates,
the site's own address, the bounded HTTP connection and the ASGI middleware
(HEAD as GET, security headers, ETags, the memory of answers, compression, CORS).

Nothing here imports a widget, a page or a route.
"""
