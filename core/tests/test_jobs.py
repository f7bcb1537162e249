"""Background jobs: the page follows a job's progress, only its owner sees it, files do not outlive it."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from core import jobs
from core.models import AuditLog, BackgroundJob


def running_job(owner, org, **extra) -> BackgroundJob:
    return BackgroundJob.objects.create(
        kind="roster_import",
        title="导入名册：测试",
        owner=owner,
        organisation=org,
        status=BackgroundJob.Status.RUNNING,
        done=300,
        total=1200,
        stage="正在检查第 300 行",
        **extra,
    )


def test_a_running_job_shows_a_progress_bar_that_polls(world):
    job = running_job(world.admin_a1, world.org_a1)
    client = world.client_for(world.admin_a1)
    page = client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert '<progress max="1200" value="300"' in page and "正在检查第 300 行（25%）" in page
    fragment = client.get(reverse("core:job_status", args=[job.pk])).content.decode()
    assert f'hx-get="{reverse("core:job_status", args=[job.pk])}"' in fragment and 'hx-trigger="every 1s"' in fragment
    BackgroundJob.objects.filter(pk=job.pk).update(
        status="done", result={"message": "导入成功：新增 5 名会员", "link": "/x/", "link_text": "查看"}
    )
    fragment = client.get(reverse("core:job_status", args=[job.pk])).content.decode()
    assert "导入成功：新增 5 名会员" in fragment and "hx-get" not in fragment  # finished: polling stops


def test_only_the_owner_sees_a_job_and_its_file(world):
    job = running_job(world.admin_a1, world.org_a1, output_file="")
    job.output_file.save("report.csv", ContentFile(b"a,b\n"), save=True)
    BackgroundJob.objects.filter(pk=job.pk).update(status="done")
    other = world.client_for(world.street_a_staff)  # even staff above the union
    for name in ("core:job_detail", "core:job_status", "core:job_download"):
        assert other.get(reverse(name, args=[job.pk])).status_code == 404
    assert "导入名册：测试" not in other.get(reverse("core:jobs")).content.decode()
    owner = world.client_for(world.admin_a1)
    assert "导入名册：测试" in owner.get(reverse("core:jobs")).content.decode()
    response = owner.get(reverse("core:job_download", args=[job.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"a,b\n"
    assert AuditLog.objects.filter(action="job.download", actor=world.admin_a1).count() == 1


def test_an_empty_job_list_says_so(world):
    page = world.client_for(world.district_staff).get(reverse("core:jobs")).content.decode()
    assert "还没有后台任务" in page


def test_a_handler_crash_fails_the_job_with_a_plain_message(world):
    def boom(job, progress):
        raise RuntimeError("disk on fire")

    jobs.register("test_boom", boom)
    job = jobs.job_start(owner=world.admin_a1, kind="test_boom", title="会失败的任务", organisation=world.org_a1)
    job.refresh_from_db()
    assert job.status == "failed" and "任务执行出错" in job.result["message"] and "disk" not in job.result["message"]


def test_old_jobs_are_purged_with_their_files(world):
    old = running_job(world.admin_a1, world.org_a1)
    old.output_file.save("old.csv", ContentFile(b"x"), save=True)
    path = old.output_file.path
    BackgroundJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=jobs.KEEP_DAYS + 1))
    fresh = running_job(world.admin_a1, world.org_a1)
    jobs.jobs_purge()
    assert list(BackgroundJob.objects.values_list("pk", flat=True)) == [fresh.pk]
    import os

    assert not os.path.exists(path)
