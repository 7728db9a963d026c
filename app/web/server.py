"""The HTTP connection itself, bounded: header size, slow headers, idle sockets, how many.

uvicorn's httptools protocol (what ``kitchen serve`` runs) bounds none of
these by itself: llhttp has no limit on a header's size and httptools keeps
a header's value whole until it ends, so one connection sending a gigabyte of
header grows the worker by a gigabyte; its keep-alive timer starts only after
a first answer, so a connection that sends nothing, or half a request, stays
open for ever; and nothing caps how many sockets one worker holds. This
protocol is uvicorn's with those limits added, at the layer that sees the bytes:

- ``KITCHEN_MAX_HEADER_KB`` (default 32): the request line and headers of one
  request together; past it the reader gets 431 and the connection closes,
  before more of it is read;
- ``KITCHEN_HEADER_TIMEOUT`` (default 10 s): from a request's first byte to the
  end of its headers; past it 408 and the connection closes;
- ``KITCHEN_KEEP_ALIVE`` (default 5 s, uvicorn's ``timeout_keep_alive``): an
  idle connection, a new one that has sent nothing yet included, is closed;
- ``KITCHEN_MAX_CONNECTIONS`` (default 1000) per worker: a new connection past
  it closes the connection idle longest; if none is idle, the new one gets 503
  with Retry-After and is closed. Each connection has at most one request
  under way (pipelined ones wait their turn), so this bounds requests too.

``kitchen serve`` passes this class to uvicorn as its HTTP protocol.
"""

from collections import OrderedDict

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.web.settings import Limits

RETRY_AFTER = 5


def _plain(status, reason, text, extra=b""):
    body = text.encode()
    return (b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\n"
            b"connection: close\r\n%s\r\n%s" % (status, reason, len(body), extra, body))


TOO_LARGE = _plain(431, b"Request Header Fields Too Large", "Request line and headers too large.\n")
TOO_SLOW = _plain(408, b"Request Timeout", "The request's headers took too long.\n")
FULL = _plain(503, b"Service Unavailable", "Too many connections; try again in a few seconds.\n",
              b"retry-after: %d\r\n" % RETRY_AFTER)


class BoundedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits of the module's notes."""

    limits = None                  # Limits, made on the first connection
    idle = OrderedDict()           # connections waiting for a request, longest idle first

    def __init__(self, config, server_state, app_state, _loop=None):
        super().__init__(config, server_state, app_state, _loop)
        cls = type(self)
        if cls.limits is None:
            cls.limits = Limits()
        self.timeout_keep_alive = cls.limits.keep_alive
        self._in_head = True       # between requests or inside a request's head
        self._head_bytes = 0
        self._head_timer = None
        self._head_size = 0
        self._refused = False

    # --- connections ---------------------------------------------------------------------
    def connection_made(self, transport):
        super().connection_made(transport)
        if len(self.connections) > self.limits.connections:
            for other in self.idle:
                if other is not self:
                    self.idle.pop(other)
                    other.transport.close()
                    break
            else:
                transport.write(FULL)
                transport.close()
                return
        self.idle[self] = None
        # a new connection that sends nothing is closed like an idle one
        self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)

    def connection_lost(self, exc):
        self.idle.pop(self, None)
        self._stop_head_timer()
        super().connection_lost(exc)

    # --- the head of each request --------------------------------------------------------
    def data_received(self, data):
        if self._refused:
            return
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        # a head still not ended: refused before more of it is read and held
        if self._in_head and self._head_bytes > self.limits.header_bytes:
            self._refuse(TOO_LARGE)

    def on_url(self, url):
        super().on_url(url)
        self._head_size += len(url)

    def on_header(self, name, value):
        super().on_header(name, value)
        self._head_size += len(name) + len(value) + 4

    def on_message_begin(self):
        super().on_message_begin()
        self._head_size = 0        # what the head holds, counted as the parser reads it
        self.idle.pop(self, None)
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.limits.header_timeout, self._refuse, TOO_SLOW)

    def on_headers_complete(self):
        self._stop_head_timer()
        if self._head_size > self.limits.header_bytes:   # a whole head that came in at once
            self._refuse(TOO_LARGE)
            return
        self._in_head = False
        super().on_headers_complete()

    def on_body(self, body):
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self):
        if self._refused:
            return
        super().on_message_complete()
        self._in_head = True
        self._head_bytes = 0

    def on_response_complete(self):
        super().on_response_complete()
        if not self.transport.is_closing() and not self.pipeline:
            self.idle[self] = None

    def _stop_head_timer(self):
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _refuse(self, answer):
        self._head_timer = None
        if self._refused or self.transport.is_closing():
            return
        self._refused = True
        if self.cycle is not None and not self.cycle.response_complete and not self._in_head:
            self.transport.close()     # an answer is under way: just end it
            return
        self.transport.write(answer)
        self.transport.close()
