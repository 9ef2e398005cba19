"""党员组织关系介绍信: its context, the Office-editable DOCX template (a ``core.documents``
kind, ``transfers.letter``) and the PDF."""
