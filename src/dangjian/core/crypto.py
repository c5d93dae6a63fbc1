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

from dangjian.core import identity

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


def sealed_identity(id_number: str, phone: str = "", *, id_number_hash: str | None = None) -> dict:
    """The stored columns of a person's ID number and phone: sealed, the keyed hash that finds the
    number (pass it when already computed), and the last four characters that searches read."""
    return {"id_number_sealed": seal(id_number), "id_number_hash": id_number_hash or lookup_hash(id_number),
            "id_last4": id_number[-4:], "phone_sealed": seal(phone) if phone else None, "phone_last4": phone[-4:]}


def secret_digest(secret: str) -> str:
    """What is kept of a bearer secret (an API token, an Open311 key): its SHA-256. Secrets are
    random, so no key is needed to keep them from being guessed from the digest."""
    return hashlib.sha256(secret.encode()).hexdigest()


def token(nbytes: int = 16) -> str:
    return base64.urlsafe_b64encode(os.urandom(nbytes)).decode().rstrip("=")


class SealedIdentity:
    """The ID number and phone of a model with ``id_number_sealed`` and ``phone_sealed`` columns
    (``sealed_identity``), in clear and masked."""

    @property
    def id_number(self) -> str:
        return unseal(self.id_number_sealed)

    @property
    def phone(self) -> str:
        return unseal(self.phone_sealed) if self.phone_sealed else ""

    @property
    def masked_id_number(self) -> str:
        return identity.mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return identity.mask_phone(self.phone) if self.phone_sealed else ""
