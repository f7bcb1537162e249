"""Background work: a full rebuild takes minutes at district scale, never inside a request."""

from django_tasks import task

from core.models import User
from modules.sortstats import services


@task()
def rebuild_task(actor_id: int | None = None) -> dict:
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return services.rollups_rebuild(actor=actor)
