import pytest
from cryptography.exceptions import InvalidTag
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core import crypto


@given(st.text(max_size=64))
def test_seal_round_trips_and_never_shows_the_plaintext(value):
    sealed = crypto.seal(value)
    assert crypto.unseal(sealed) == value
    if len(value) >= 4:
        assert value.encode() not in sealed


def test_two_seals_of_one_value_differ():
    assert crypto.seal("440104198001010012") != crypto.seal("440104198001010012")


def test_tampered_ciphertext_is_refused():
    sealed = bytearray(crypto.seal("13812345678"))
    sealed[-1] ^= 1
    with pytest.raises(InvalidTag):
        crypto.unseal(bytes(sealed))


def test_unknown_version_is_refused():
    with pytest.raises(ValueError, match="version"):
        crypto.unseal(b"\x09" + crypto.seal("x")[1:])


def test_lookup_hash_is_keyed_by_the_deployment(settings):
    first = crypto.lookup_hash("440104198001010012")
    assert first == crypto.lookup_hash("440104198001010012")
    settings.LOOKUP_HASH_KEY = "another deployment"
    assert crypto.lookup_hash("440104198001010012") != first


def test_data_is_sealed_under_the_configured_key(settings):
    sealed = crypto.seal("secret")
    settings.FIELD_ENCRYPTION_KEY = "another key"
    with pytest.raises(InvalidTag):
        crypto.unseal(sealed)
