# ruff: noqa: F811  (the shared "bags" fixture is imported, then requested by name)
"""Every reference of a collection, a day's points counter and a ledger entry is a foreign-key
constraint in the database (issue 19: a ledger that can point at rows that do not exist cannot be
audited), on SQLite and on PostgreSQL."""

import pytest
from django.db import IntegrityError, connection, transaction

from engines.ledger.models import Entry
from modules.bags.models import Collection, DailyPoints
from modules.bags.tests.field_fixtures import bags, bind  # noqa: F401

REFERENCES = [
    (Collection, "point"),
    (Collection, "collector"),
    (Collection, "owner"),
    (Collection, "organisation"),
    (Collection, "street"),
    (Collection, "bag"),
    (DailyPoints, "owner"),
    (Entry, "actor"),
    (Entry, "account"),
]


def _foreign_keys(model) -> dict[str, tuple[str, str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {c["columns"][0]: c["foreign_key"] for c in constraints.values() if c["foreign_key"]}


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "name"), REFERENCES, ids=[f"{m.__name__}.{n}" for m, n in REFERENCES])
def test_every_reference_is_a_database_constraint(model, name):
    field = model._meta.get_field(name)
    assert field.db_constraint, f"{model.__name__}.{name} must keep its database constraint"
    found = _foreign_keys(model)
    assert field.column in found, f"no foreign-key constraint on {model._meta.db_table}.{field.column}"
    assert found[field.column] == (field.related_model._meta.db_table, field.target_field.column)


@pytest.mark.django_db
def test_every_reference_has_the_index_its_deletes_need():
    """Deleting a point, user, member or union looks its rows up here (Django's PROTECT/SET_NULL
    and the constraint's own check): each column leads an index, or that is a sequential scan of
    tens of millions of rows."""
    for model, name in REFERENCES:
        column = model._meta.get_field(name).column
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
        leading = {c["columns"][0] for c in constraints.values() if (c["index"] or c["unique"] or c["primary_key"]) and c["columns"]}
        assert column in leading, f"{model._meta.db_table}.{column} leads no index"


@pytest.mark.django_db
def test_a_collection_naming_a_point_that_does_not_exist_is_refused(world, bags):
    bag = bags.batch_a1.bags.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Collection.objects.create(
            bag=bag,
            client_id="orphan",
            point_id=987_654_321,
            collector=world.collector_a,
            category="kitchen",
            grade="correct",
            organisation=bag.organisation,
        )
        connection.check_constraints()  # deferred to commit: checked here, inside the test's transaction
