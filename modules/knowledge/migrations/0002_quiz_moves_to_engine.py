"""The quizzes move to engines/quiz: their rows are copied, ids kept, into the engine's tables
(owned by "knowledge"), the old tables dropped, and this app keeps proxies of the engine's models.

Ids are kept so the ledger's sources ("knowledge.answer:<id>") still lead to their answers; the
sequences are moved past the copied ids. Reversing copies the rows back.
"""

from django.core.management.color import no_style
from django.db import migrations

OWNER = "knowledge"
# Parents first, so the copied foreign keys always point at copied rows.
MODELS = ["QuestionBank", "Question", "Campaign", "Attempt", "Answer"]
# How each engine table reaches its owner, for the way back.
OWNED_WHERE = {
    "QuestionBank": "owner = %s",
    "Question": "bank_id IN (SELECT id FROM quiz_questionbank WHERE owner = %s)",
    "Campaign": "owner = %s",
    "Attempt": "campaign_id IN (SELECT id FROM quiz_campaign WHERE owner = %s)",
    "Answer": "attempt_id IN (SELECT t.id FROM quiz_attempt t JOIN quiz_campaign c ON c.id = t.campaign_id WHERE c.owner = %s)",
}


def _insert_select(cursor, quote, target_table, source_table, columns, extra=None, where="", params=()):
    names, values = [quote(c) for c in columns], [quote(c) for c in columns]
    if extra:
        names.append(quote(extra[0]))
        values.append("%s")
        params = [extra[1], *params]
    cursor.execute(
        f"INSERT INTO {quote(target_table)} ({', '.join(names)}) SELECT {', '.join(values)} FROM {quote(source_table)}"
        + (f" WHERE {where}" if where else ""),
        list(params),
    )


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    targets = []
    with connection.cursor() as cursor:
        for name in MODELS:
            source, target = apps.get_model("knowledge", name), apps.get_model("quiz", name)
            columns = [field.column for field in source._meta.concrete_fields]
            owned = ("owner", OWNER) if any(f.name == "owner" for f in target._meta.fields) else None
            _insert_select(cursor, quote, target._meta.db_table, source._meta.db_table, columns, extra=owned)
            targets.append(target)
        for statement in connection.ops.sequence_reset_sql(no_style(), targets):
            cursor.execute(statement)


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    targets = []
    with connection.cursor() as cursor:
        for name in MODELS:
            source, target = apps.get_model("quiz", name), apps.get_model("knowledge", name)
            columns = [field.column for field in target._meta.concrete_fields]
            _insert_select(cursor, quote, target._meta.db_table, source._meta.db_table, columns, where=OWNED_WHERE[name], params=[OWNER])
            targets.append(target)
        for name in reversed(MODELS):
            cursor.execute(f"DELETE FROM {quote(apps.get_model('quiz', name)._meta.db_table)} WHERE {OWNED_WHERE[name]}", [OWNER])
        for statement in connection.ops.sequence_reset_sql(no_style(), targets):
            cursor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('knowledge', '0001_initial'),
        ('quiz', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(
            name='Answer',
        ),
        migrations.DeleteModel(
            name='Attempt',
        ),
        migrations.DeleteModel(
            name='Campaign',
        ),
        migrations.DeleteModel(
            name='Question',
        ),
        migrations.DeleteModel(
            name='QuestionBank',
        ),
        migrations.CreateModel(
            name='Answer',
            fields=[
            ],
            options={
                'verbose_name': '答案',
                'verbose_name_plural': '答案',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('quiz.answer',),
        ),
        migrations.CreateModel(
            name='Attempt',
            fields=[
            ],
            options={
                'verbose_name': '答题记录',
                'verbose_name_plural': '答题记录',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('quiz.attempt',),
        ),
        migrations.CreateModel(
            name='Campaign',
            fields=[
            ],
            options={
                'verbose_name': '答题活动',
                'verbose_name_plural': '答题活动',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('quiz.campaign',),
        ),
        migrations.CreateModel(
            name='Question',
            fields=[
            ],
            options={
                'verbose_name': '题目',
                'verbose_name_plural': '题目',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('quiz.question',),
        ),
        migrations.CreateModel(
            name='QuestionBank',
            fields=[
            ],
            options={
                'verbose_name': '题库',
                'verbose_name_plural': '题库',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('quiz.questionbank',),
        ),
    ]
