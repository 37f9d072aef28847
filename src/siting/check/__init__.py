"""``siting check``: does a proposed development meet the life-circle standards?

Room for: measuring a surrounding area once (:func:`prepare_check`), checking proposals against
it (:func:`check_development`, :func:`check_batch`), the result types and the check's report.

May import: the pipeline and everything below it, and the outputs (for escaping and assets).
"""

from siting.check.batch import check_batch, write_report
from siting.check.development import check_development, prepare_check
from siting.check.result import BatchResult, CheckLine, CheckResult
from siting.inputs import Development, read_development

__all__ = [
    "BatchResult",
    "CheckLine",
    "CheckResult",
    "Development",
    "check_batch",
    "check_development",
    "prepare_check",
    "read_development",
    "write_report",
]
