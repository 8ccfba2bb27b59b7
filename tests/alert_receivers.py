"""Real receivers for the alert tests, on loopback: an HTTP server that records what it is
POSTed (and answers with the status it is told to), and an SMTP server (aiosmtpd) that
insists on STARTTLS with a self-signed certificate and on a login before it takes mail."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class WebhookReceiver:
    base: str
    requests: list[ReceivedRequest] = field(default_factory=list)
    # status to answer for the n-th request (1-based) to a path; default 200
    answer: Callable[[str, int], int] = lambda path, number: 200

    def accepted(self, path: str = "/hook") -> list[ReceivedRequest]:
        return [r for r in self.requests if r.path == path and 200 <= r.status < 300]


@contextmanager
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(base="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                number = sum(1 for r in receiver.requests if r.path == self.path) + 1
                status = receiver.answer(self.path, number)
                receiver.requests.append(ReceivedRequest(self.path, dict(self.headers.items()),
                                                         body, status))
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    receiver.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 / localhost that is its own authority (cert, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stancewatch test mail")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "mail-cert.pem", folder / "mail-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class ReceivedMail:
    message: EmailMessage
    mail_from: str
    recipients: list[str]
    login: str | None
    over_tls: bool


@dataclass
class SmtpReceiver:
    host: str
    port: int
    messages: list[ReceivedMail] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_receiver(cert: Path, key: Path, username: str, password: str,
                  port: int | None = None) -> Iterator[SmtpReceiver]:
    """aiosmtpd on 127.0.0.1: STARTTLS required before anything else, login required."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    receiver = SmtpReceiver("127.0.0.1", port or free_port())

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's naming
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            login = session.auth_data if session.authenticated else None
            receiver.messages.append(ReceivedMail(message, envelope.mail_from,
                                                  list(envelope.rcpt_tos), login,
                                                  session.ssl is not None))
            return "250 OK"

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == username
              and auth_data.password.decode() == password)
        receiver.logins.append((auth_data.login.decode(), ok))
        return AuthResult(success=ok, auth_data=auth_data.login.decode() if ok else None)

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    controller = Controller(Handler(), hostname="127.0.0.1", port=receiver.port,
                            tls_context=context, require_starttls=True,
                            authenticator=authenticate, auth_required=True,
                            auth_require_tls=True)
    controller.start()
    try:
        yield receiver
    finally:
        controller.stop()
