"""OpenPGP (python-gnupg + GnuPG) and JWT (cryptography) helpers of the Passbolt imitation."""

from __future__ import annotations

import atexit
import base64
import fcntl
import hashlib
import hmac
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

import gnupg
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DEFAULT_KEY_CACHE = os.path.join(REPO, ".tmp", "sandbox-keys")


# -- GnuPG homes --------------------------------------------------------------------------------
def make_gpg(home):
    os.makedirs(home, mode=0o700, exist_ok=True)
    os.chmod(home, 0o700)
    with open(os.path.join(home, "gpg-agent.conf"), "w", encoding="utf-8") as handle:
        handle.write("allow-loopback-pinentry\ns2k-count 65536\ndefault-cache-ttl 86400\nmax-cache-ttl 86400\n")
    gpg = gnupg.GPG(gnupghome=home, options=["--trust-model", "always", "--no-auto-key-locate"])
    gpg.encoding = "utf-8"
    _register_agent_cleanup(home)
    return gpg


def kill_agent(home):
    env = dict(os.environ, GNUPGHOME=home)
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _register_agent_cleanup(home):
    """Kill the home's gpg-agent when this process ends, however it ends (even os._exit)."""
    atexit.register(kill_agent, home)
    script = ("while kill -0 %d 2>/dev/null; do sleep 1; done; "
              "GNUPGHOME=%s gpgconf --kill gpg-agent >/dev/null 2>&1" % (os.getpid(), _shquote(home)))
    subprocess.Popen(["sh", "-c", script], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,  # pylint: disable=consider-using-with
                     stderr=subprocess.DEVNULL, start_new_session=True)


def _shquote(text):
    return "'" + text.replace("'", "'\\''") + "'"


# -- key generation with a cache ----------------------------------------------------------------
def generate_key(kind, name, email, passphrase):
    """Generate a key pair in a throw-away home; returns {fingerprint, public, private, passphrase}."""
    home = tempfile.mkdtemp(prefix="pwman-pbkey-")
    try:
        gpg = gnupg.GPG(gnupghome=home)
        gpg.encoding = "utf-8"
        with open(os.path.join(home, "gpg-agent.conf"), "w", encoding="utf-8") as handle:
            handle.write("allow-loopback-pinentry\n")
        params = {"name_real": name, "name_email": email, "expire_date": 0}
        if passphrase:
            params["passphrase"] = passphrase
        else:
            params["no_protection"] = True
        if kind == "rsa":
            params.update(key_type="RSA", key_length=2048, key_usage="sign", subkey_type="RSA",
                          subkey_length=2048, subkey_usage="encrypt")
        else:
            params.update(key_type="EDDSA", key_curve="ed25519", key_usage="sign", subkey_type="ECDH",
                          subkey_curve="cv25519", subkey_usage="encrypt")
        inp = gpg.gen_key_input(**params)
        result = gpg.gen_key(inp)
        fpr = str(result.fingerprint or "")
        if not fpr:
            raise RuntimeError("gpg key generation failed: %s" % result.stderr)
        public = gpg.export_keys(fpr)
        private = gpg.export_keys(fpr, secret=True, passphrase=passphrase or "")
        if "PRIVATE KEY" not in private:
            raise RuntimeError("gpg secret key export failed")
        return {"fingerprint": fpr, "public": public, "private": private, "passphrase": passphrase or ""}
    finally:
        kill_agent(home)
        subprocess.run(["rm", "-rf", home], check=False)


def cached_key(cache_dir, label, kind, name, email, passphrase):
    """A key pair from the cache directory (0700), generated once per label + kind + identity."""
    os.makedirs(cache_dir, mode=0o700, exist_ok=True)
    os.chmod(cache_dir, 0o700)
    digest = hashlib.sha256(("%s|%s|%s" % (email, name, passphrase)).encode()).hexdigest()[:10]
    path = os.path.join(cache_dir, "passbolt-%s-%s-%s.json" % (label, kind, digest))
    data = _read_cached(path, passphrase)
    if data:
        return data
    # Servers of parallel test workers start together: one generates, the others wait and read its key.
    fd = os.open(path + ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        data = _read_cached(path, passphrase)
        if data:
            return data
        data = generate_key(kind, name, email, passphrase)
        tmp = path + ".%d.tmp" % os.getpid()
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
            json.dump(data, handle)
        os.replace(tmp, path)
        return data
    finally:
        os.close(fd)  # releases the lock


def _read_cached(path, passphrase):
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    return data if data.get("passphrase") == (passphrase or "") and data.get("fingerprint") else None


# -- armored message validation (no gpg needed) ------------------------------------------------
def _crc24(data):
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for dummy in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def _armored_message_bytes(text):
    """The packets of an ASCII-armored OpenPGP message (checksum checked), or None."""
    if not isinstance(text, str):
        return None
    lines = [line.strip() for line in text.strip().replace("\r\n", "\n").split("\n")]
    if len(lines) < 3 or lines[0] != "-----BEGIN PGP MESSAGE-----" or lines[-1] != "-----END PGP MESSAGE-----":
        return None
    body = lines[1:-1]
    # armor headers end at the first empty line (if any header is present)
    if "" in body:
        idx = body.index("")
        if all(":" in h for h in body[:idx]):
            body = body[idx + 1:]
    checksum = None
    if body and body[-1].startswith("="):
        checksum = body[-1][1:]
        body = body[:-1]
    try:
        raw = base64.b64decode("".join(body), validate=True)
    except (ValueError, TypeError):
        return None
    if not raw:
        return None
    if checksum:
        try:
            expected = base64.b64decode(checksum, validate=True)
        except (ValueError, TypeError):
            return None
        if len(expected) != 3 or struct.unpack(">I", b"\0" + expected)[0] != _crc24(raw):
            return None
    return raw


def is_armored_message(text):
    """True when `text` is an ASCII-armored OpenPGP message starting with an encrypted-session-key packet."""
    raw = _armored_message_bytes(text)
    if raw is None or not raw[0] & 0x80:
        return False
    first = raw[0]
    tag = (first & 0x3F) if first & 0x40 else ((first >> 2) & 0x0F)
    return tag in (1, 3)


def message_recipients(text):
    """Key ids (16 upper-case hex digits) of the public-key encrypted session key packets (tag 1, v3)
    that open an armored message, as passbolt_api's MessageValidationService lists its recipients."""
    raw = _armored_message_bytes(text) or b""
    ids, pos = [], 0
    while pos < len(raw) and raw[pos] & 0x80:
        first = raw[pos]
        if first & 0x40:  # new packet format
            tag, octet = first & 0x3F, raw[pos + 1] if pos + 1 < len(raw) else 0
            if octet < 192:
                length, pos = octet, pos + 2
            elif octet < 224:
                length, pos = ((octet - 192) << 8) + raw[pos + 2] + 192, pos + 3
            elif octet == 255:
                length, pos = int.from_bytes(raw[pos + 2:pos + 6], "big"), pos + 6
            else:
                break  # partial lengths: the encrypted data, after the session keys
        else:
            tag, size = (first >> 2) & 0x0F, {0: 1, 1: 2, 2: 4}.get(first & 3)
            if size is None:
                break
            length, pos = int.from_bytes(raw[pos + 1:pos + 1 + size], "big"), pos + 1 + size
        if tag != 1:
            break
        packet = raw[pos:pos + length]
        if len(packet) >= 9 and packet[0] == 3:
            ids.append(packet[1:9].hex().upper())
        pos += length
    return ids


# -- TOTP ---------------------------------------------------------------------------------------
def totp(secret_b32, at=None, digits=6, period=30):
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if at is None else at) // period)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % (10 ** digits)
    return str(code).zfill(digits)


# -- JWT (RS256) --------------------------------------------------------------------------------
def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class JwtSigner:
    def __init__(self):
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_key = self.private_key.public_key()
        self.public_pem = self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
        self.kid = hashlib.sha256(self.public_pem.encode()).hexdigest()[:40]

    def sign(self, claims):
        header = {"typ": "JWT", "alg": "RS256"}
        signing_input = "%s.%s" % (_b64url(json.dumps(header, separators=(",", ":")).encode()),
                                   _b64url(json.dumps(claims, separators=(",", ":")).encode()))
        signature = self.private_key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + _b64url(signature)

    def verify(self, token):
        """Claims of a valid, unexpired token, or None."""
        try:
            head, payload, signature = token.split(".")
            header = json.loads(_b64url_decode(head))
            if header.get("alg") != "RS256":
                return None
            self.public_key.verify(_b64url_decode(signature), ("%s.%s" % (head, payload)).encode("ascii"),
                                   padding.PKCS1v15(), hashes.SHA256())
            claims = json.loads(_b64url_decode(payload))
        except Exception:  # noqa: BLE001 - any malformed token is just invalid
            return None
        if not isinstance(claims, dict) or not isinstance(claims.get("exp"), (int, float)):
            return None
        if claims["exp"] <= time.time():
            return None
        return claims

    def jwk(self):
        numbers = self.public_key.public_numbers()
        n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
        return {"kty": "RSA", "alg": "RS256", "use": "sig", "e": _b64url(e), "n": _b64url(n)}


if __name__ == "__main__":  # pragma: no cover - manual check
    print(cached_key(sys.argv[1], "check", "ecc", "Check", "check@example.com", "x")["fingerprint"])
