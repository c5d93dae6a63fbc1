"""Encryption at rest and keyed lookup hashes for personal data (DESIGN.md, Sensitive data).

Values are sealed with AES-256-GCM under ``FIELD_ENCRYPTION_KEY``; the stored form is
``version byte + 12-byte nonce + ciphertext``, so another algorithm (SM4-GCM for deployments
that need national algorithms) can be added under a new version byte. Lookups use an HMAC of the
normalised value under ``LOOKUP_HASH_KEY``, unique to the deployment, so the hash of a known ID
number cannot be precomputed elsewhere.
"""

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

VERSION_AES_GCM = b"\x01"


@lru_cache(maxsize=4)
def _aead(secret: str) -> AESGCM:
    # The configured secret is any string; derive a fixed 256-bit key from it.
    return AESGCM(hashlib.sha256(("dangjian-field-key:" + secret).encode()).digest())


def seal(plaintext: str) -> bytes:
    nonce = os.urandom(12)
    return VERSION_AES_GCM + nonce + _aead(settings.FIELD_ENCRYPTION_KEY).encrypt(nonce, plaintext.encode(), None)


def unseal(sealed: bytes) -> str:
    sealed = bytes(sealed)
    if sealed[:1] != VERSION_AES_GCM:
        raise ValueError("Unknown encryption version.")
    return _aead(settings.FIELD_ENCRYPTION_KEY).decrypt(sealed[1:13], sealed[13:], None).decode()


def lookup_hash(value: str) -> str:
    return hmac.new(settings.LOOKUP_HASH_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def token(nbytes: int = 16) -> str:
    return base64.urlsafe_b64encode(os.urandom(nbytes)).decode().rstrip("=")
