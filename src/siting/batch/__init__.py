"""``siting batch``: many areas (a province, a nation) as Dask tasks.

Room for: building the area scenarios, running them as tasks with retries and skip-finished,
aggregating their results, and distributed reachability for one very large area.

May import: the pipeline and everything below it, and the outputs.
"""

from siting.batch.runner import BatchResult, batch_client, run_batch, scenarios_from_files, scenarios_from_template

__all__ = ["BatchResult", "batch_client", "run_batch", "scenarios_from_files", "scenarios_from_template"]
