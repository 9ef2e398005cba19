"""No Django admin pages for second-factor devices: enrolment and resets go through the
audited pages of this app (django-otp's TOTP plugin registers one by default; its key would be
readable and editable there without an audit event)."""

from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice

if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
