from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations, models


def backfill(apps, schema_editor):
    """Each existing sheet's own weighted total, as scores_submit now stores it."""
    ScoreSheet = apps.get_model("review", "ScoreSheet")
    Score = apps.get_model("review", "Score")
    RubricItem = apps.get_model("review", "RubricItem")
    for sheet in ScoreSheet.objects.filter(total__isnull=True).select_related("evaluation").iterator(chunk_size=1000):
        items = list(RubricItem.objects.filter(rubric_id=sheet.evaluation.rubric_id))
        marks = {s.item_id: s.value for s in Score.objects.filter(sheet=sheet)}
        weights = sum((i.weight for i in items), Decimal(0))
        if not weights:
            continue
        acc = sum((i.weight * marks.get(i.pk, Decimal(0)) / i.max_score for i in items), Decimal(0))
        sheet.total = (Decimal(100) * acc / weights).quantize(Decimal("0.01"), ROUND_HALF_UP)
        sheet.save(update_fields=["total"])


class Migration(migrations.Migration):
    dependencies = [("review", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="scoresheet",
            name="total",
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=6, null=True, verbose_name="本人总分"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
