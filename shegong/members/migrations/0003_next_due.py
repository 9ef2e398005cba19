"""``Member.next_due_on`` / ``next_due_code``: the nearest open 发展党员 deadline, stored so
the 发展党员 page orders in SQL. Schema only (``next_due_code`` has a database default, so
rows inserted without it keep working); the existing rows are filled by ``0004``."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0002_development"),
        ("organizations", "0002_coveragepolicy_general_branch_threshold_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="next_due_code",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                editable=False,
                max_length=20,
                verbose_name="最近期限事项",
            ),
        ),
        migrations.AddField(
            model_name="member",
            name="next_due_on",
            field=models.DateField(
                blank=True,
                editable=False,
                help_text="发展党员下一步骤的最近期限（由发展党员服务按已记录步骤维护，不随日期变化）",
                null=True,
                verbose_name="最近办理期限",
            ),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(fields=["next_due_on", "id"], name="member_next_due_idx"),
        ),
    ]
