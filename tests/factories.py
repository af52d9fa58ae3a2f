from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from cultivate.accounts.models import Membership, Tenant
from jobs.models import Job, Video

PASSWORD = "correct horse battery staple"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"School {n}")
    slug = factory.Sequence(lambda n: f"school-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    tenant = factory.SubFactory(TenantFactory)
    role = Membership.Role.COACH


class VideoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Video

    tenant = factory.SubFactory(TenantFactory)
    original_name = "lesson.mp4"
    file = factory.django.FileField(filename="lesson.mp4", data=b"not really a video")
    size_bytes = 18
    sha256 = "0" * 64
    probe = factory.LazyFunction(lambda: {"duration_s": 12.0, "has_video": True, "has_audio": True})


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    tenant = factory.SelfAttribute("video.tenant")
    video = factory.SubFactory(VideoFactory)
