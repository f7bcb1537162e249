"""Migration operations Django's own do not cover.

``RestoreForeignKey`` puts a foreign-key constraint back on a column that had none
(``db_constraint=False`` → ``True``) on a table that may hold tens of millions of rows. Django's
``AlterField`` adds the constraint in one ``ALTER TABLE … ADD CONSTRAINT``, which checks every row
while holding a lock that stops every insert (every scan) until it is done. On PostgreSQL this
operation adds the constraint ``NOT VALID`` (new rows are checked at once; a moment's lock) and
then ``VALIDATE``s the rows already there under a lock that lets inserts go on. Use it in a
migration with ``atomic = False`` so the two steps commit apart. Elsewhere (SQLite) it is
``AlterField``. If a row points at nothing, the validation fails naming the constraint and the
row's key: mend the orphans, then migrate again.
"""

from __future__ import annotations

from django.db import migrations


class RestoreForeignKey(migrations.AlterField):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        field = model._meta.get_field(self.name)
        old = from_state.apps.get_model(app_label, self.model_name)._meta.get_field(self.name)
        if old.db_constraint or not field.db_constraint:
            raise ValueError(f"RestoreForeignKey only adds a missing constraint ({self.model_name}.{self.name})")
        statement = schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s")
        name = str(statement.parts["name"])
        # A run that stopped at the validation (an orphan) left the constraint NOT VALID: this run
        # validates it again rather than adding it twice.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_constraint WHERE conrelid = %s::regclass AND conname = %s",
                [model._meta.db_table, name.strip('"')],
            )
            present = cursor.fetchone() is not None
        if not present:
            schema_editor.execute(f"{statement} NOT VALID")
        table = schema_editor.quote_name(model._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        # AlterField's backwards is its forwards with the states swapped: drop as it would.
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"Restore the foreign-key constraint of {self.model_name}.{self.name}"
