"""答复意见书: the 信访 wording (第三十二条 reply, 第三十五条 复查 right) only for 信访 matters.

A 12345 hotline 诉求 or a 人民建议 is not a 信访事项: its reply must not promise a 复查 under
信访工作条例. The default template (migration 0004) is replaced only if an administrator has
not edited it; an edited template is left alone (docs/appeals-notices.md says how to use
``is_petition`` in it).
"""

from django.db import migrations

OLD_REPLY = "\n".join(
    [
        '{{ petitioner_name|default:"诉求人" }}：',
        (
            "你（们）于{{ registered_date }}通过{{ appeal.channel_label }}反映的“{{ title }}”"
            "{{ matter }}（登记编号：{{ number }}），{% if unit %}经{{ unit }}调查核实，{% endif %}"
            "根据《信访工作条例》第三十二条的规定，现将处理意见答复如下："
        ),
        "{{ reply }}",
        (
            "如对本答复意见不服，可以自收到本答复意见书之日起{{ review_days }}日内，向原办理机关、"
            "单位的上一级机关、单位请求复查（《信访工作条例》第三十五条）。"
        ),
        "特此答复。",
    ]
)

NEW_REPLY = "\n".join(
    [
        '{{ petitioner_name|default:"诉求人" }}：',
        (
            "你（们）于{{ registered_date }}通过{{ appeal.channel_label }}反映的“{{ title }}”"
            "{{ matter }}（登记编号：{{ number }}），{% if unit %}经{{ unit }}调查核实，{% endif %}"
            "{% if is_petition %}根据《信访工作条例》第三十二条的规定，现将处理意见答复如下："
            "{% else %}现将办理情况答复如下：{% endif %}"
        ),
        "{{ reply }}",
        (
            "{% if is_petition %}如对本答复意见不服，可以自收到本答复意见书之日起{{ review_days }}"
            "日内，向原办理机关、单位的上一级机关、单位请求复查（《信访工作条例》第三十五条）。"
            "{% else %}如对办理结果不满意，可以在回访时告诉我们，也可以通过原渠道再次反映。"
            "{% endif %}"
        ),
        "特此答复。",
    ]
)


def forward(apps, schema_editor):
    NoticeTemplate = apps.get_model("appeals", "NoticeTemplate")
    NoticeTemplate.objects.filter(kind="reply", body=OLD_REPLY).update(body=NEW_REPLY)


def backward(apps, schema_editor):
    NoticeTemplate = apps.get_model("appeals", "NoticeTemplate")
    NoticeTemplate.objects.filter(kind="reply", body=NEW_REPLY).update(body=OLD_REPLY)


class Migration(migrations.Migration):
    dependencies = [("appeals", "0009_appeal_category")]
    operations = [migrations.RunPython(forward, backward)]
