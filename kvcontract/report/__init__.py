"""Reports rendered from one RunResult: Result JSON, QA-gate markdown, JUnit XML, terminal lines.

Modules: ``result`` (JSON + schema), ``markdown`` (Jinja template), ``junit``,
``terminal``, ``github`` (step summary), ``atomic`` (writing a report set),
``text`` (wording shared by all of them).  Import the module you need; nothing
is imported here so loading one renderer stays cheap.
"""
__all__: list[str] = []
