from django.urls import path

from modules.sortstats import views

app_name = "sortstats"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("anomalies/", views.anomalies, name="anomalies"),
    path("unions/<str:key>/", views.unions, name="unions"),
    path("export/<str:key>.<str:fmt>", views.export, name="export"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:street_id>/<str:month>.pdf", views.report_pdf, name="report_pdf"),
    path("rebuild/", views.rebuild, name="rebuild"),
]
