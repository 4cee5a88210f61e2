"""The falsifiability audit: the bug zoo run against every check that can see it.

Modules: ``mutant_file`` (reading mutant files with positions), ``resolve``
(finding each contract's mutants and validating them against its plan),
``execute`` (units on the check pipeline's worker pool), ``matrix`` (the kill
matrix, its problems and its text form), ``runner`` (``audit_paths`` and
``attach_audit``), ``cli`` (``kvcontract audit`` / ``check --audit``).
Import the module you need; nothing is imported here so ``kvcontract``
stays cheap to load.
"""
__all__: list[str] = []
