"""openpyxl stays on its standard-library XML writer whatever is installed: production has no lxml,
the test tools bring it (python-docx), and the tests must export workbooks the way production does."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings


def test_openpyxl_writes_with_the_standard_library_after_django_setup():
    import openpyxl.xml
    from openpyxl.xml import functions

    assert openpyxl.xml.lxml_available(), "python-docx (a test dependency) brings lxml: this test checks the setting, not its absence"
    assert openpyxl.xml.LXML is False
    assert functions.Element.__module__.startswith("xml.etree")


def test_a_fresh_process_of_the_platform_keeps_the_standard_library_writer():
    """A process started without the variable (a server, a worker, manage.py) gets it from the settings."""
    env = {k: v for k, v in os.environ.items() if k != "OPENPYXL_LXML"}
    env["DJANGO_SETTINGS_MODULE"] = settings.SETTINGS_MODULE
    code = "import django; django.setup(); import openpyxl.xml; print(openpyxl.xml.LXML)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=settings.BASE_DIR)
    assert out.stdout.strip() == "False"
