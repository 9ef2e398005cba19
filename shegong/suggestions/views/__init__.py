"""Staff pages of 人民建议 (``/suggestions/``), one module per area, each routed by ``urls.py``:
``listing`` (the list and its export), ``detail`` (a suggestion's page: evaluation, milestones,
rewards, theme link), ``themes``, ``publication`` (consent). Thin: every change is one service
call."""
