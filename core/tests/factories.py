import factory
from factory.django import DjangoModelFactory

from core.models import Member, Organisation, User


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试工会{n}")
    level = Organisation.Level.GRASSROOTS
    kind = Organisation.Kind.ENTERPRISE


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "test-pass-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MemberFactory(DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Sequence(lambda n: f"职工{n}")
    phone = factory.Sequence(lambda n: f"137{n:08d}")
    organisation = factory.SubFactory(OrganisationFactory)
