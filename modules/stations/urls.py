from django.urls import path

from modules.stations import views

app_name = "stations"

urlpatterns = [
    # staff
    path("", views.station_list, name="list"),
    path("new/", views.station_create, name="create"),
    path("<int:pk>/", views.station_detail, name="detail"),
    path("<int:pk>/edit/", views.station_edit, name="edit"),
    path("import/", views.station_import, name="import"),
    path("figures/", views.figures, name="figures"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/photo", views.task_photo, name="task_photo"),
    path("rubrics/", views.rubric_list, name="rubrics"),
    path("rubrics/new/", views.rubric_form, name="rubric_new"),
    path("rubrics/<int:pk>/", views.rubric_form, name="rubric_edit"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    # workers (phone, no login to look)
    path("find/", views.find, name="find"),
    path("s/<int:pk>/", views.public_station, name="public"),
    path("s/<int:pk>/rate/", views.rate, name="rate"),
    path("s/<int:pk>/report/", views.report_problem, name="report"),
    # inspector (phone)
    path("inspect/", views.inspect_home, name="inspect"),
    path("inspect/<int:pk>/", views.inspect_fill, name="inspect_fill"),
]
