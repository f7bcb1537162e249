"""The sorting knowledge base (articles, the item guide) and the quizzes (banks, campaigns, answers)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engines.quiz import models as quiz
from modules.knowledge.constants import Category
from modules.knowledge.pinyin import keys_pinyin


class Article(models.Model):
    """A short knowledge article staff write for workers (read on a phone)."""

    title = models.CharField(_("标题"), max_length=120)
    summary = models.CharField(_("摘要"), max_length=200, blank=True, default="")
    body = models.TextField(_("正文"), help_text=_("空一行分段。"))
    image = models.ImageField(_("配图"), upload_to="knowledge/articles/", blank=True, default="")
    image_alt = models.CharField(_("配图说明"), max_length=120, blank=True, default="")
    category = models.CharField(_("相关类别"), max_length=16, choices=Category.choices, blank=True, default="")
    is_published = models.BooleanField(_("已发布"), default=True)
    pinned = models.BooleanField(_("置顶"), default=False)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("知识文章")
        verbose_name_plural = _("知识文章")
        ordering = ["-pinned", "-created_at"]
        indexes = [models.Index(fields=["is_published", "-pinned", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.replace("\r\n", "\n").split("\n\n") if p.strip()]


class GuideItem(models.Model):
    """One item of the searchable guide: its category and how to put it out.

    ``pinyin`` and ``initials`` are precomputed on save (and by the loader) for the name and
    every alias, "|"-separated, so the search index never calls pypinyin per request.
    """

    name = models.CharField(_("物品名称"), max_length=40, unique=True)
    aliases = models.CharField(_("别名"), max_length=200, blank=True, default="", help_text=_("多个别名用顿号或逗号分隔。"))
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices, db_index=True)
    tip = models.CharField(_("投放要点"), max_length=300)
    pinyin = models.CharField(max_length=600, blank=True, default="", editable=False)
    initials = models.CharField(max_length=300, blank=True, default="", editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("分类指南条目")
        verbose_name_plural = _("分类指南条目")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.aliases = "、".join(self.alias_list())
        self.refresh_pinyin()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "pinyin", "initials", "aliases", "updated_at"}
        super().save(*args, **kwargs)

    def alias_list(self) -> list[str]:
        return split_aliases(self.aliases)

    def refresh_pinyin(self) -> None:
        self.pinyin, self.initials = keys_pinyin([self.name, *self.alias_list()])


def split_aliases(raw: str) -> list[str]:
    out: list[str] = []
    for part in (raw or "").replace(",", "、").replace("，", "、").replace(";", "、").replace("；", "、").split("、"):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


# ---------------------------------------------------------------- the quizzes, on engines/quiz
# Proxies of the engine's models: this programme's banks, campaigns, attempts and answers only
# (the default manager filters on the owner), under this app's label so the back office and the
# permissions stay where staff know them.

OWNER = "knowledge"


class QuestionBank(quiz.QuestionBank):
    objects = quiz.OwnerManager(OWNER)

    class Meta:
        proxy = True
        verbose_name = _("题库")
        verbose_name_plural = _("题库")

    def save(self, *args, **kwargs):
        self.owner = OWNER
        super().save(*args, **kwargs)


class Question(quiz.Question):
    objects = quiz.OwnerManager(OWNER)

    class Meta:
        proxy = True
        verbose_name = _("题目")
        verbose_name_plural = _("题目")


class Campaign(quiz.Campaign):
    objects = quiz.OwnerManager(OWNER)

    class Meta:
        proxy = True
        verbose_name = _("答题活动")
        verbose_name_plural = _("答题活动")

    def clean(self):
        self.owner = OWNER
        super().clean()

    def save(self, *args, **kwargs):
        self.owner = OWNER
        super().save(*args, **kwargs)


class Attempt(quiz.Attempt):
    objects = quiz.OwnerManager(OWNER)

    class Meta:
        proxy = True
        verbose_name = _("答题记录")
        verbose_name_plural = _("答题记录")


class Answer(quiz.Answer):
    objects = quiz.OwnerManager(OWNER)

    class Meta:
        proxy = True
        verbose_name = _("答案")
        verbose_name_plural = _("答案")
