from __future__ import annotations

import string

from django.core.exceptions import ValidationError


class CharacterClassValidator:
    """At least three of: lower case, upper case, digits, symbols (等保 practice, §10.2)."""

    def validate(self, password: str, user: object = None) -> None:  # user: unused
        classes = [
            any(c in string.ascii_lowercase for c in password),
            any(c in string.ascii_uppercase for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < 3:
            raise ValidationError(
                "密码须包含大写字母、小写字母、数字、符号中的至少三类。", code="password_classes"
            )

    def get_help_text(self) -> str:
        return "密码须包含大写字母、小写字母、数字、符号中的至少三类。"


class PasswordHistoryValidator:
    """Not the current password nor one of the last ``count`` (their hashes are kept in
    ``PasswordHistory``; 等保 8.1.4.1 a) 定期更换)."""

    def __init__(self, count: int = 5) -> None:
        self.count = count

    def validate(self, password: str, user: object = None) -> None:
        from django.contrib.auth.hashers import check_password

        from .models import PasswordHistory, User

        if self.count <= 0 or not isinstance(user, User) or user.pk is None:
            return
        stored = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        former = list(
            PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[
                : self.count - 1
            ]
        )
        # The current password counts as one of the last ``count``.
        for encoded in [stored or "", *former]:
            if encoded and check_password(password, encoded):
                raise ValidationError(
                    f"新密码不能与最近 {self.count} 次使用过的密码相同。", code="password_reused"
                )

    def get_help_text(self) -> str:
        return f"新密码不能与最近 {self.count} 次使用过的密码相同。"
