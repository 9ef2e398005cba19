"""Test helpers for the second factor (tests and browser tests only).

``current_code(username)`` is a code an authenticator would accept now for the user's newest
device (pending or confirmed) — what a browser test types on the enrolment or verification
page after the password (the device's key is read from the database, as the phone holds it).
A code is accepted once: when this time step's code was used already (a second sign-in within
30 seconds), the next step's code is given, which the device accepts within its tolerance.
"""

from __future__ import annotations

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def current_code(username: str) -> str:
    device = TOTPDevice.objects.filter(user__username=username).order_by("-pk").first()
    if device is None:
        raise LookupError(f"no TOTP device for {username}")
    while True:
        generator = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        generator.time = time.time()
        ahead = device.last_t + 1 - generator.t()
        if ahead <= device.tolerance:
            generator.drift += max(0, ahead)
            return str(generator.token()).zfill(device.digits)
        time.sleep(device.step - generator.time % device.step + 0.1)
