"""Pure rule engine for party members and branch life (issue 15).

No Django, no I/O: frozen policy dataclasses with the defaults of ``docs/rules/domain-rules.md``
§4.3, §4.4 and §5 (every parameter overridable), and pure functions over ``datetime.date`` and
``Decimal``. The design decisions are written down in ``docs/rules/party-rules.md``.

Modules: :mod:`.months` (months, month arithmetic), :mod:`.dues`, :mod:`.development`,
:mod:`.meetings`, :mod:`.lapse`, :mod:`.study`.
"""
