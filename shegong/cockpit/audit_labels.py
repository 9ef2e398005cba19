"""Chinese names of this app's audit actions (read by core.audit_display; see its docstring)."""

from shegong.core.audit_display import register_action_labels, register_field_labels

register_action_labels({"cockpit_boundaries_uploaded": "上传驾驶舱区划边界"})
register_field_labels({"features": "区划数"})
