"""``manage.py annual_review --year 2020 [--street 街道名或编号] --format html|pdf|docx --output FILE``:
the whole district's (or a street's) annual review, printed from the live data; without
``--output``, the review's text (every figure) on the terminal."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApiError
from core.models import RoleAssignment, User


class Command(BaseCommand):
    help = "Print the annual review (年度重点工作盘点) of a year as HTML, PDF or Word."

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True)
        parser.add_argument("--street", default="", help="a street union's id or name; the whole district without it")
        parser.add_argument("--format", choices=["html", "pdf", "docx"], default="html")
        parser.add_argument("--output", default="", help="the file to write; without it the review's text is printed")

    def handle(self, *args, **options):
        from modules.annual import documents, selectors

        # The command runs as the district: the first active district staff account, else a superuser.
        viewer = (
            User.objects.filter(roles__role=RoleAssignment.Role.DISTRICT_STAFF, is_active=True).order_by("pk").first()
            or User.objects.filter(is_superuser=True).order_by("pk").first()
        )
        if viewer is None:
            raise CommandError("no district staff account to read the review as")
        try:
            year = selectors.parse_year(options["year"])
            street = selectors.parse_street(viewer, options["street"] or None)
        except ApiError as error:
            raise CommandError(str(error.message)) from None
        started = time.monotonic()
        data = selectors.review_for(viewer, year, street, links=False)
        if not options["output"]:
            self._print(documents.parts(data))
            return
        content = documents.render(data, options["format"])
        with open(options["output"], "wb") as out:
            out.write(content)
        self.stdout.write(f"{options['output']}: {len(content)} bytes in {time.monotonic() - started:.2f}s")

    def _print(self, parts) -> None:
        """The review as text: headings, figures as "· label：value", no charts."""
        marks = {"title": "", "h1": "\n## ", "h2": "", "h3": "\n### ", "li": "· ", "p": "", "muted": "  "}
        for kind, text in parts:
            if kind in marks:
                self.stdout.write(f"{marks[kind]}{text}")
