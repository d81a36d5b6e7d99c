"""Trial design: the design object (spec), analytic survival and binary sizes, consortium accrual.

Import the submodules directly; this package imports nothing so the CLI stays light.
"""
