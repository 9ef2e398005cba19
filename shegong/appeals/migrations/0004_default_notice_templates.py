"""Default texts of the five written notices (信访工作条例 2022).

Bodies use Django template syntax; the context is documented in docs/appeals-notices.md.
One line = one paragraph; a first line ending in "：" is the salutation (printed flush
left). Existing rows are never overwritten, so an administrator's edits survive.
"""

from django.db import migrations

ACCEPTANCE = "\n".join(
    [
        '{{ petitioner_name|default:"诉求人" }}：',
        (
            "你（们）于{{ registered_date }}通过{{ appeal.channel_label }}反映的“{{ title }}”"
            "{{ matter }}（登记编号：{{ number }}）已收悉。经审查，该事项属于本机关职权范围，本机关"
            "已于{{ accepted_date }}依法予以受理。根据《信访工作条例》第二十三条的规定，现将接收情"
            "况以及处理途径和程序书面告知如下："
        ),
        (
            "一、接收情况。该{{ matter }}已登记受理，{% if unit %}已交由{{ unit }}"
            "{% if assist_units %}主办、{{ assist_units }}协办{% else %}办理{% endif %}{% else %}将"
            "按照“属地管理、分级负责，谁主管、谁负责”的原则交由有权处理的机关、单位办理{% endif %}"
            "。"
        ),
        (
            "二、处理途径和程序。承办单位将依法调查核实，听取你（们）陈述的事实和理由，"
            "{% if due_date %}于{{ due_date }}前办结{% else %}在规定期限内办结{% endif %}并出具书面"
            "答复意见；情况复杂需要延长办理期限的，将告知延期理由。"
        ),
        (
            "三、你（们）可以凭登记编号和查询码通过群众诉求平台查询办理进度；需要补充材料的，请注明"
            "登记编号。请依法有序反映诉求，自觉维护社会公共秩序和信访秩序。"
        ),
        "特此告知。",
    ]
)

REJECTION = "\n".join(
    [
        '{{ petitioner_name|default:"诉求人" }}：',
        (
            "你（们）于{{ registered_date }}通过{{ appeal.channel_label }}反映的“{{ title }}”"
            "{{ matter }}（登记编号：{{ number }}）已收悉。经审查，本机关决定不予受理，理由如下："
        ),
        "{{ reason }}",
        (
            "根据《信访工作条例》第二十三条的规定，现予书面告知。对不属于本机关、单位或者本系统职权"
            "范围的事项，请你（们）向有权处理的机关、单位提出；如有新的事实和理由，可以依法另行提出"
            "。"
        ),
        "特此告知。",
    ]
)

REDIRECTION = "\n".join(
    [
        '{{ petitioner_name|default:"诉求人" }}：',
        (
            "你（们）于{{ registered_date }}通过{{ appeal.channel_label }}反映的“{{ title }}”"
            "{{ matter }}（登记编号：{{ number }}）已收悉。经审查，该事项应当依照法律、法规规定的程"
            "序，通过“{{ redirect_label }}”途径解决。具体说明如下："
        ),
        "{{ reason }}",
        (
            "根据《信访工作条例》第二十二条、第三十一条关于依法分类处理、诉访分离的规定，本机关不再"
            "按照信访程序办理该事项。请你（们）依照有关法律、法规的规定，向有权处理的机关提出，依法"
            "维护自身合法权益。有关法定程序的期限（如诉讼时效、申请复议或者仲裁的期限）依照相关法律"
            "规定计算，请注意及时主张权利。"
        ),
        "特此告知。",
    ]
)

DISPATCH = "\n".join(
    [
        "{{ unit }}：",
        (
            "现将{{ matter }}“{{ title }}”（登记编号：{{ number }}）转送（交办）你单位"
            "{% if assist_units %}主办，{{ assist_units }}协办{% else %}办理{% endif %}。根据《信访"
            "工作条例》第二十二条的规定，请按照“属地管理、分级负责，谁主管、谁负责”的原则依法依规及"
            "时处理，并在办理期限内办结、反馈办理结果。"
        ),
        "一、基本情况",
        "登记编号：{{ number }}",
        "诉求类别：{{ kind_label }}",
        "登记日期：{{ registered_date }}",
        "发生地点：{{ appeal.region_name }}{{ appeal.address }}",
        (
            '诉求人：{{ petitioner_name|default:"匿名" }}{% if identity_confidential %}（身份依规保'
            "密，不得泄露，不得将有关材料转给被反映的人员或者单位）{% endif %}"
        ),
        "二、诉求内容",
        "{{ body }}",
        "三、办理要求",
        "主办单位：{{ unit }}",
        '协办单位：{{ assist_units|default:"无" }}',
        (
            "办理期限：{% if due_date %}{{ due_date }}前办结并答复{% else %}按规定期限办结并答复"
            "{% endif %}"
        ),
        '派单意见：{{ instructions|default:"无" }}',
        (
            "请及时在平台签收本单。经审查不属于你单位职权范围的，请在规定时限内提出异议并详细说明理"
            "由（《信访工作条例》第二十三条）。诉求人联系方式请登录平台查看，并严格保护个人信息。"
        ),
    ]
)

REPLY = "\n".join(
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

DEFAULTS = {
    "acceptance": ("受理告知书", ACCEPTANCE),
    "rejection": ("不予受理告知书", REJECTION),
    "redirection": ("告知书", REDIRECTION),
    "dispatch": ("转送交办单", DISPATCH),
    "reply": ("答复意见书", REPLY),
}


def create(apps, schema_editor):
    NoticeTemplate = apps.get_model("appeals", "NoticeTemplate")
    for kind, (title, body) in DEFAULTS.items():
        if not NoticeTemplate.objects.filter(kind=kind).exists():
            NoticeTemplate.objects.create(kind=kind, title=title, body=body)


class Migration(migrations.Migration):
    dependencies = [("appeals", "0003_notices_notifications")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
