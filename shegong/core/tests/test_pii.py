from __future__ import annotations

import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from shegong.core import pii
from shegong.core.pii import DecryptionError, KeyRing, Sensitive, blind_index, decrypt, encrypt
from shegong.units.models import Unit


def _raw(unit_pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone FROM units_unit WHERE id = %s", [unit_pk])
        return cursor.fetchone()[0]


def test_roundtrip_and_kind_binding() -> None:
    token = encrypt("phone", "13812345678")
    assert token.startswith("sm4gcm$")
    assert "13812345678" not in token
    assert decrypt("phone", token) == "13812345678"
    with pytest.raises(DecryptionError):
        decrypt("id_number", token)  # ciphertext cannot be moved to another kind of field


def test_tampered_ciphertext_is_rejected() -> None:
    token = encrypt("phone", "13812345678")
    prefix, key_id, body = token.split("$")
    flipped = body[:-3] + ("A" if body[-3] != "A" else "B") + body[-2:]
    with pytest.raises(DecryptionError):
        decrypt("phone", f"{prefix}${key_id}${flipped}")


def test_encryption_is_randomised_but_blind_index_is_stable() -> None:
    assert encrypt("phone", "13812345678") != encrypt("phone", "13812345678")
    assert blind_index("phone", "138 1234 5678") == blind_index("phone", "+86 13812345678")
    assert blind_index("id_number", "11010519491231002x") == blind_index(
        "id_number", "11010519491231002X"
    )
    assert blind_index("phone", "13812345678") != blind_index("phone", "13812345679")


def test_sensitive_masks_by_default() -> None:
    value = Sensitive("13812345678", "phone")
    assert str(value) == "138****5678"
    assert f"{value}" == "138****5678"
    assert "13812345678" not in repr(value)
    assert value.reveal() == "13812345678"
    assert value == "13812345678"


def test_keyring_from_json_is_validated() -> None:
    ring = KeyRing.generate()
    assert KeyRing.from_json(ring.to_json()) == ring
    broken = json.loads(ring.to_json())
    broken["active"] = "k9"
    with pytest.raises(ImproperlyConfigured):
        KeyRing.from_json(json.dumps(broken))
    with pytest.raises(ImproperlyConfigured):
        KeyRing.from_json("not json")


@pytest.mark.django_db
def test_field_is_encrypted_at_rest_and_searchable_by_blind_index(world) -> None:
    stored = _raw(world.unit_a.pk)
    assert stored.startswith("sm4gcm$")
    assert "13812345678" not in stored
    unit = Unit.objects.get(pk=world.unit_a.pk)
    assert isinstance(unit.contact_phone, Sensitive)
    assert str(unit.contact_phone) == "138****5678"
    found = Unit.objects.filter(contact_phone_bidx=blind_index("phone", "138-1234-5678"))
    assert list(found) == [unit]
    with pytest.raises(TypeError):
        list(Unit.objects.filter(contact_phone="13812345678"))


@pytest.mark.django_db
def test_key_rotation_reencrypts_in_batches_and_keeps_values(world, settings, tmp_path) -> None:
    settings.SHEGONG_KEYS_FILE = tmp_path / "keys.json"
    old_ring = pii.keyring()
    pii.write_keyring(old_ring)
    before = _raw(world.unit_a.pk)
    assert pii.key_id_of(before) == old_ring.active
    call_command("keys", "add")
    new_ring = pii.keyring()
    assert new_ring.active != old_ring.active
    call_command("rotate_keys", "--batch-size", "2")
    after = _raw(world.unit_a.pk)
    assert pii.key_id_of(after) == new_ring.active
    assert Unit.objects.get(pk=world.unit_a.pk).contact_phone.reveal() == "13812345678"
    # Blind indexes do not change with the encryption key.
    assert Unit.objects.filter(contact_phone_bidx=blind_index("phone", "13812345678")).exists()
    pii.reset_keyring(old_ring)  # leave the process ring as the other tests expect
