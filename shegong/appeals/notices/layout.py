"""The 公文 layout shared by the DOCX and the PDF (GB/T 9704-2012)."""

from __future__ import annotations

BODY_FONT = "仿宋"
TITLE_FONT = "宋体"
BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
LINE_PT = 28
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
