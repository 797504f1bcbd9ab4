from tests.outbox.support import smtp_server, web

__all__ = ["smtp_server", "web"]
