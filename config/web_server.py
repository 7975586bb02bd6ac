"""Daphne with polite answers to oversized requests: ``python -m config.web_server <daphne args>``.

Twisted's HTTP channel (under Daphne) reads the request line and each header line with a 16 KB limit and
the whole head with ``totalHeadersSize`` (16 KB). Past the line limit it drops the connection without a word;
past the head limit it writes a bare ``400`` with no body. Browsers then show "connection reset" for a long
search URL or a bloated cookie. ``GuardedHTTPChannel`` answers instead, with a short Chinese/English page:

- request line too long -> ``414 URI Too Long``
- a header line, or the request head as a whole, too long -> ``431 Request Header Fields Too Large``
- anything else Twisted refuses (malformed request line, bad header) -> ``400 Bad Request``

It then stops reading, half-closes (so the client reads the answer instead of a TCP reset caused by unread
input) and closes for good shortly after. The limits stay Twisted's; only the answer changes.
"""

from __future__ import annotations

from daphne.cli import CommandLineInterface
from daphne.server import Server
from twisted.web import http

LINGER_SECONDS = 2.0

_TITLES = {
    400: ("Bad Request", "请求格式不正确", "The request could not be understood."),
    414: ("URI Too Long", "请求地址过长", "The address (URL) is too long. Please shorten it."),
    431: ("Request Header Fields Too Large", "请求头过大", "The request headers (often cookies) are too large."),
}


def error_response(status: int) -> bytes:
    """The full HTTP/1.1 answer for `status` (400, 414 or 431): a short HTML page and Connection: close."""
    reason, chinese, english = _TITLES[status]
    body = (
        '<!doctype html><html lang="zh-hans"><meta charset="utf-8">'
        f"<title>{status} {chinese}</title>"
        f"<h1>{status} {chinese}</h1><p>{english}</p>"
        '<p><a href="/">返回首页 / Home</a></p></html>'
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    return head + body


class GuardedHTTPChannel(http.HTTPChannel):
    """An HTTPChannel that answers 414/431/400 with a page where Twisted would drop or answer bare."""

    _refused = False

    def _on_first_line(self) -> bool:
        return bool(getattr(self, "_HTTPChannel__first_line", 1))

    def lineLengthExceeded(self, line: bytes) -> None:  # noqa: N802 (Twisted's name)
        self._refuse(414 if self._on_first_line() else 431)

    def _respondToBadRequestAndDisconnect(self) -> None:  # noqa: N802 (Twisted's name)
        self._refuse(431 if self._receivedHeaderSize > self.totalHeadersSize else 400)

    def _refuse(self, status: int) -> None:
        if self._refused:
            return
        self._refused = True
        self.setLineMode = lambda *args, **kwargs: None  # stop parsing what is still arriving
        self.dataReceived = lambda data: None
        self.lineReceived = lambda line: None
        self.transport.write(error_response(status))
        from twisted.internet import reactor  # Daphne's (asyncio) reactor, installed when daphne.server loads

        if hasattr(self.transport, "loseWriteConnection"):
            self.transport.loseWriteConnection()  # FIN after the answer; keep draining input for a moment
            reactor.callLater(LINGER_SECONDS, self._close)
        else:
            self._close()

    def _close(self) -> None:
        if self.transport is not None and self.transport.connected:
            self.transport.loseConnection()


def _guarded_protocol() -> http._GenericHTTPChannelProtocol:
    """Set on the factory instance (not its class), so Twisted calls it with no arguments."""
    return http._GenericHTTPChannelProtocol(GuardedHTTPChannel())


class GuardedServer(Server):
    """Daphne's Server whose HTTP factory builds GuardedHTTPChannel instead of Twisted's HTTPChannel."""

    @property
    def http_factory(self):
        return self._guarded_http_factory

    @http_factory.setter
    def http_factory(self, factory) -> None:
        factory.protocol = _guarded_protocol
        self._guarded_http_factory = factory


class GuardedCommandLineInterface(CommandLineInterface):
    server_class = GuardedServer


if __name__ == "__main__":
    GuardedCommandLineInterface.entrypoint()
