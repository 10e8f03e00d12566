"""Optional TLS (issue 11): ``inkless serve --tls-cert --tls-key`` serves wss://; a node that
trusts the certificate (``--ca``) joins and runs to the end; one that does not is refused by
its own TLS check, in one line."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .conftest import SCENARIO, cut, inkless
from .test_streams import _finish, _node


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by its own key (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "inkless test")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    c, k = tmp / "cert.pem", tmp / "key.pem"
    c.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    k.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))
    return c, k


def test_a_node_joins_over_tls(server_factory: Any, keys: Path, tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    s = server_factory("--simulate", "--speed", "25", "--wait-nodes", "1", "--tls-cert",
                       str(cert), "--tls-key", str(key), scenario=cut(tmp_path, 40))
    assert s.url.startswith("wss://")
    untrusted = inkless("node", "ANON", "--key", next((keys / "ANON").glob("holder-*.pem")),
                        "--url", s.url, timeout=60)
    assert untrusted.returncode == 1 and untrusted.stderr.count("\n") == 1
    assert "certificate verify failed" in untrusted.stderr
    out = _finish(_node("HOST", keys, s.url, tmp_path / "host.jsonl", "--ca", str(cert)))
    assert "session ended" in out


def test_half_a_tls_pair_is_refused(keys: Path, tmp_path: Path) -> None:
    cert, _ = _self_signed(tmp_path)
    r = inkless("serve", SCENARIO, "--keys", keys, "--tls-cert", cert)
    assert r.returncode == 2 and "give both" in r.stderr and r.stderr.count("\n") == 1
