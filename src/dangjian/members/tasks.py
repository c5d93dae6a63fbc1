"""Background work of the member register (django-tasks; a worker runs `dangjian db_worker`)."""

from django_tasks import task


@task()
def run_roster_job(job_id: int) -> None:
    """Check, apply or export one roster job, recording its progress on the job."""
    from dangjian.members.services import imports

    imports.run_job(job_id)
