"""Personal data at rest: SM4-GCM encryption, a keyed blind index, and masking by default.

* :class:`EncryptedField` stores ``sm4gcm$<key id>$<base64(nonce|ciphertext|tag)>``; the
  field kind is bound in as associated data so a ciphertext cannot be moved to another
  kind of field. In memory the attribute holds a :class:`Sensitive`, whose ``str()`` is the
  *masked* value: templates, CSV exports and logs show ``138****5678`` unless code calls
  ``.reveal()`` explicitly (which views do only after a capability check and an audit row,
  see ``core.services.reveal_personal_data``).
* :class:`BlindIndexField` stores HMAC-SM3(blind key, kind:normalised value) of a sibling
  encrypted field, computed on save, so exact look-ups and duplicate detection work
  without decrypting (``Model.objects.filter(phone_bidx=blind_index("phone", value))``).
* Keys come from ``SHEGONG_KEYS`` (JSON) or the key file (created at first start when
  allowed). Rotation: add a key, make it active, run ``shegong rotate-keys`` which
  re-encrypts rows in batches; old keys stay readable until removed. The blind-index key
  is not rotated by that command (it would need a full re-index with dual look-ups).
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from shegong.lib.masking import mask_text

if TYPE_CHECKING:
    from shegong.lib.masking import MaskKind

KINDS = ("id_number", "phone", "name", "text")
PREFIX = "sm4gcm"


class DecryptionError(Exception):
    """A stored value could not be decrypted (unknown key id or tampered ciphertext)."""


@dataclass(frozen=True)
class KeyRing:
    active: str
    sm4: dict[str, bytes]
    blind: bytes

    @classmethod
    def generate(cls) -> KeyRing:
        return cls(active="k1", sm4={"k1": os.urandom(16)}, blind=os.urandom(32))

    @classmethod
    def from_json(cls, text: str) -> KeyRing:
        try:
            data = json.loads(text)
            ring = cls(
                active=str(data["active"]),
                sm4={k: base64.b64decode(v) for k, v in data["sm4"].items()},
                blind=base64.b64decode(data["blind"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ImproperlyConfigured(f"personal-data key ring is malformed: {exc}") from exc
        if ring.active not in ring.sm4:
            raise ImproperlyConfigured(f"active key {ring.active!r} is not in the key ring")
        if any(len(k) != 16 for k in ring.sm4.values()) or len(ring.blind) < 32:
            raise ImproperlyConfigured("SM4 keys must be 16 bytes and the blind key ≥ 32 bytes")
        return ring

    def to_json(self) -> str:
        return json.dumps(
            {
                "active": self.active,
                "sm4": {k: base64.b64encode(v).decode() for k, v in self.sm4.items()},
                "blind": base64.b64encode(self.blind).decode(),
            },
            indent=2,
        )

    def with_new_active_key(self) -> KeyRing:
        number = 1 + max(int(k[1:]) for k in self.sm4 if k[1:].isdigit())
        key_id = f"k{number}"
        return KeyRing(active=key_id, sm4={**self.sm4, key_id: os.urandom(16)}, blind=self.blind)


_ring: KeyRing | None = None
_ring_lock = threading.Lock()


def keyring() -> KeyRing:
    """The process's key ring, loaded once (env, then key file, created if allowed)."""
    global _ring
    if _ring is not None:
        return _ring
    with _ring_lock:
        if _ring is None:
            _ring = _load_keyring()
        return _ring


def reset_keyring(ring: KeyRing | None = None) -> None:
    """Drop the cached ring (after rotation) or install one (tests)."""
    global _ring
    _ring = ring


def _load_keyring() -> KeyRing:
    if settings.SHEGONG_KEYS_JSON:
        return KeyRing.from_json(settings.SHEGONG_KEYS_JSON)
    path = settings.SHEGONG_KEYS_FILE
    if path.exists():
        return KeyRing.from_json(path.read_text(encoding="utf-8"))
    if not settings.SHEGONG_KEYS_CREATE:
        raise ImproperlyConfigured(
            f"no personal-data keys: set SHEGONG_KEYS or provide {path} "
            "(run `shegong keys init` once and back the file up)"
        )
    ring = KeyRing.generate()
    write_keyring(ring)
    return ring


def write_keyring(ring: KeyRing) -> None:
    path = settings.SHEGONG_KEYS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(ring.to_json())
    os.replace(tmp, path)


def normalise(kind: str, value: str) -> str:
    """Canonical form used for the blind index (and stored encrypted)."""
    value = value.strip()
    if kind == "id_number":
        return value.replace(" ", "").upper()
    if kind == "phone":
        digits = "".join(ch for ch in value if ch.isdigit())
        for prefix in ("0086", "86"):
            if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
                digits = digits[len(prefix) :]
        return digits
    return value


def encrypt(kind: str, plaintext: str, ring: KeyRing | None = None) -> str:
    ring = ring or keyring()
    nonce = os.urandom(12)
    encryptor = Cipher(algorithms.SM4(ring.sm4[ring.active]), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(kind.encode())
    body = encryptor.update(plaintext.encode("utf-8")) + encryptor.finalize()
    token = base64.b64encode(nonce + body + encryptor.tag).decode()
    return f"{PREFIX}${ring.active}${token}"


def key_id_of(stored: str) -> str | None:
    parts = stored.split("$", 2)
    return parts[1] if len(parts) == 3 and parts[0] == PREFIX else None


def decrypt(kind: str, stored: str, ring: KeyRing | None = None) -> str:
    ring = ring or keyring()
    parts = stored.split("$", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise DecryptionError("value is not an SM4-GCM token")
    key = ring.sm4.get(parts[1])
    if key is None:
        raise DecryptionError(f"unknown key id {parts[1]!r}")
    raw = base64.b64decode(parts[2])
    nonce, body, tag = raw[:12], raw[12:-16], raw[-16:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(kind.encode())
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode("utf-8")
    except InvalidTag as exc:
        raise DecryptionError("ciphertext failed authentication") from exc


def blind_index(kind: str, value: str, ring: KeyRing | None = None) -> str:
    """Keyed HMAC-SM3 of the normalised value (hex). Equal inputs give equal indexes."""
    ring = ring or keyring()
    mac = crypto_hmac.HMAC(ring.blind, hashes.SM3())
    mac.update(f"{kind}:{normalise(kind, value)}".encode())
    return mac.finalize().hex()


def blind_index_matches(kind: str, value: str, stored_index: str) -> bool:
    return hmac.compare_digest(blind_index(kind, value), stored_index)


class Sensitive:
    """A personal-data value in memory. ``str()`` masks; ``reveal()`` gives the value."""

    __slots__ = ("_value", "kind")

    def __init__(self, value: str, kind: str) -> None:
        self._value = value
        self.kind = kind

    def reveal(self) -> str:
        return self._value

    @property
    def masked(self) -> str:
        if self.kind == "text":
            return "******" if self._value else ""
        # Every other kind of KINDS is a MaskKind; mask_text refuses anything else.
        return mask_text(self._value, cast("MaskKind", self.kind))

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"<Sensitive {self.kind} {self.masked}>"

    def __bool__(self) -> bool:
        return bool(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sensitive):
            return self._value == other._value
        if isinstance(other, str):
            return self._value == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._value)


def plain(value: Sensitive | str | None) -> str:
    """The plaintext of a value that may or may not be wrapped (for services only)."""
    if value is None:
        return ""
    return value.reveal() if isinstance(value, Sensitive) else value


class KeepUnlessChangedWidget(forms.TextInput):
    """Never renders the stored value back into HTML."""

    def format_value(self, value: Any) -> str | None:
        return None


class SensitiveFormField(forms.CharField):
    widget = KeepUnlessChangedWidget

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("placeholder", "已加密保存；留空表示不修改")
        self.widget.attrs.setdefault("autocomplete", "off")

    def has_changed(self, initial: Any, data: Any) -> bool:
        return bool(data)


class EncryptedField(models.TextField[str | Sensitive, Sensitive | str]):
    """Personal data encrypted with SM4-GCM. Only ``isnull`` look-ups are allowed."""

    description = "SM4-GCM encrypted personal data"

    def __init__(self, *args: Any, kind: str = "text", **kwargs: Any) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown personal-data kind {kind!r}")
        self.kind = kind
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Sensitive | str:
        if not value:
            return ""
        return Sensitive(decrypt(self.kind, value), self.kind)

    def to_python(self, value: Any) -> Any:
        return value

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        text = plain(value)
        if not text:
            return ""
        return encrypt(self.kind, normalise(self.kind, text) if self.kind != "text" else text)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise TypeError(
                f"{self.name}: encrypted fields cannot be searched; use the blind index"
            )
        return super().get_lookup(lookup_name)

    def value_to_string(self, obj: models.Model) -> str:
        return str(self.value_from_object(obj))  # masked in dumps

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"form_class": SensitiveFormField, **kwargs})

    def save_form_data(self, instance: models.Model, data: Any) -> None:
        if data:
            setattr(instance, self.attname, data)


class BlindIndexField(models.CharField[str, str]):
    """HMAC-SM3 of a sibling :class:`EncryptedField`, refreshed on every save."""

    def __init__(self, *args: Any, source: str = "", **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        source_field = model_instance._meta.get_field(self.source)
        kind = getattr(source_field, "kind", "text")
        text = plain(getattr(model_instance, self.source))
        value = blind_index(kind, text) if text else ""
        setattr(model_instance, self.attname, value)
        return value


def sensitive_field_names(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]
