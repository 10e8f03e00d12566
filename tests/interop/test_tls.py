"""CoT over ``tls://``: a loopback TLS server with its own CA that requires a client
certificate (as TAK servers do) receives the event; a client without one is refused."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
from pathlib import Path

import takproto
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from inkless.errors import InputError
from inkless.interop.cot import CotEvent, open_sender

NOW = dt.datetime.now(dt.UTC)


def _cert(name: str, issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
          ca: bool) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    b = (x509.CertificateBuilder().subject_name(subject)
         .issuer_name(issuer[0].subject if issuer else subject).public_key(key.public_key())
         .serial_number(x509.random_serial_number()).not_valid_before(NOW - dt.timedelta(1))
         .not_valid_after(NOW + dt.timedelta(1))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), False)
    return b.sign(issuer[1] if issuer else key, hashes.SHA256()), key


def _pem(path: Path, *items: x509.Certificate | ec.EllipticCurvePrivateKey) -> Path:
    out = b""
    for it in items:
        out += (it.public_bytes(serialization.Encoding.PEM) if isinstance(it, x509.Certificate)
                else it.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    path.write_bytes(out)
    return path


def test_tls_with_client_certificate(tmp_path: Path) -> None:
    ca = _cert("inkless test CA", None, ca=True)
    server, client = _cert("localhost", ca, ca=False), _cert("inkless client", ca, ca=False)
    ca_pem = _pem(tmp_path / "ca.pem", ca[0])
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(_pem(tmp_path / "server.pem", server[0], server[1])))
    ctx.load_verify_locations(str(ca_pem))
    ctx.verify_mode = ssl.CERT_REQUIRED
    lsock = socket.create_server(("127.0.0.1", 0))
    port = lsock.getsockname()[1]
    got: list[bytes] = []

    def serve() -> None:
        for _ in range(2):  # one refused client, one good one
            conn, _ = lsock.accept()
            try:
                with ctx.wrap_socket(conn, server_side=True) as s:
                    data = b""
                    while chunk := s.recv(65536):
                        data += chunk
                    got.append(data)
            except (ssl.SSLError, OSError):
                pass

    th = threading.Thread(target=serve)
    th.start()
    ev = CotEvent("inkless.track.5", "a-h-A-M-F-Q", NOW, NOW + dt.timedelta(seconds=60),
                  32.0, 35.0, 500.0)
    try:  # no client certificate: refused in the handshake (the client may only notice later)
        tx = open_sender(f"tls://localhost:{port}", ca=ca_pem)
        tx.send(ev)
        tx.close()
    except InputError as e:
        assert "TLS failed" in str(e) or "send failed" in str(e)
    tx = open_sender(f"tls://localhost:{port}", proto=True, ca=ca_pem,
                     cert=_pem(tmp_path / "client.pem", client[0], client[1]))
    tx.send(ev)
    tx.close()
    th.join(timeout=30)
    lsock.close()
    assert len(got) == 1, "the server took a client without a certificate"
    msg = takproto.parse_proto(bytearray(got[0]))
    assert (msg.cotEvent.uid, msg.cotEvent.type) == (ev.uid, ev.type)
