"""Load (or refresh) the sorting guide and the starter question bank from the module's data files."""

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApiError
from modules.knowledge.services import GUIDE_FILE, QUESTIONS_FILE, guide_load, question_bank_load


class Command(BaseCommand):
    help = "导入垃圾分类指南（可重复执行）；--questions 同时导入入门题库。"

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(GUIDE_FILE), help="指南 CSV（name,aliases,category,tip）")
        parser.add_argument("--questions", action="store_true", help="同时导入题库 JSON")
        parser.add_argument("--questions-file", default=str(QUESTIONS_FILE))

    def handle(self, *args, file, questions, questions_file, **options):
        try:
            result = guide_load(path=file)
            self.stdout.write(
                self.style.SUCCESS(f"分类指南：新增 {result['created']}，更新 {result['updated']}，未变 {result['unchanged']}")
            )
            if questions:
                result = question_bank_load(path=questions_file)
                self.stdout.write(
                    self.style.SUCCESS(f"题库：新增 {result['created']}，更新 {result['updated']}，未变 {result['unchanged']}")
                )
        except (ApiError, OSError) as error:
            raise CommandError(str(getattr(error, "message", error))) from error
