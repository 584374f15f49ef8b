"""Exports of the contact and company lists to CSV and Excel: ``writer`` (cells, formats, streaming), ``job``
(plans, direct and background exports, the jobs' reads, clean-up), ``tasks`` (the background tasks)."""

from .job import (
    DIRECT_LIMIT,
    ExportPlan,
    export_file,
    export_job_file,
    export_job_get,
    export_job_list,
    export_progress,
    export_queue,
    export_run,
    export_stream,
    export_to_path,
    exports_prune,
    plan_export,
    plan_from_query,
)

__all__ = [
    "DIRECT_LIMIT",
    "ExportPlan",
    "export_file",
    "export_job_file",
    "export_job_get",
    "export_job_list",
    "export_progress",
    "export_queue",
    "export_run",
    "export_stream",
    "export_to_path",
    "exports_prune",
    "plan_export",
    "plan_from_query",
]
