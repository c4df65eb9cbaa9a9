"""opp/common/aescipher.py's scheme: SHA-256(phrase) as the key, AES-256-CBC with a random IV,
base64(iv + ciphertext); and a salted login-password hash (the real one is bcrypt: never sent)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


class AESCipher:
    def __init__(self, phrase):
        self.key = hashlib.sha256(phrase.encode("utf-8")).digest()

    def encrypt(self, raw):
        if not isinstance(raw, str):
            raise TypeError("not a string")  # the real one: AttributeError from raw.encode
        padder = padding.PKCS7(128).padder()
        data = padder.update(raw.encode("utf-8")) + padder.finalize()
        iv = os.urandom(16)
        encryptor = Cipher(algorithms.AES(self.key), modes.CBC(iv)).encryptor()
        return base64.b64encode(iv + encryptor.update(data) + encryptor.finalize()).decode("ascii")

    def decrypt(self, enc):
        raw = base64.b64decode(enc)
        decryptor = Cipher(algorithms.AES(self.key), modes.CBC(raw[:16])).decryptor()
        data = decryptor.update(raw[16:]) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        try:
            data = unpadder.update(data) + unpadder.finalize()
        except ValueError:
            raise UnicodeDecodeError("utf-8", b"", 0, 1, "bad padding") from None
        return data.decode("utf-8")


def hash_password(password):
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, 1000)
    return salt.hex() + "$" + digest.hex()


def check_password(password, hashed):
    """password.encode fails for a non-string, as utils.checkpw does on the real server."""
    salt, digest = hashed.split("$")
    mine = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), 1000)
    return hmac.compare_digest(mine.hex(), digest)
